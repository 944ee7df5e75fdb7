/**
 * The face detector's model files, bundled into the page by Vite (`?url`
 * assets taken from the installed @vladmandic/human package, whose `exports`
 * map hides models/, hence the path into node_modules): the page serves them
 * itself, nothing comes from a CDN.
 */
import detectorJson from '../node_modules/@vladmandic/human/models/blazeface.json?url';
import detectorBin from '../node_modules/@vladmandic/human/models/blazeface.bin?url';
import landmarksJson from '../node_modules/@vladmandic/human/models/facemesh.json?url';
import landmarksBin from '../node_modules/@vladmandic/human/models/facemesh.bin?url';
import { loadFaceDetector, type FaceDetector } from '../src/browser';

export function loadPageFaceDetector(): Promise<FaceDetector> {
  return loadFaceDetector({
    detector: { json: detectorJson, weights: { 'blazeface.bin': detectorBin } },
    landmarks: { json: landmarksJson, weights: { 'facemesh.bin': landmarksBin } },
  });
}
