/** Vite's `?url` imports (the tfjs wasm binaries): the URL the build serves the file at. */
declare module '*?url' {
  const url: string;
  export default url;
}
