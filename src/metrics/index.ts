export * from './scores';
export * from './classification';
export * from './evaluate';
export * from './confusion-png';
