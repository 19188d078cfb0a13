// Draws the app icon (build/icon.png, 1024 px) from code, so the repository needs no binary design files to build.
import sharp from 'sharp';

const size = 1024;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 1024 1024">
  <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#7c5cff"/><stop offset="1" stop-color="#3aa0ff"/></linearGradient></defs>
  <rect x="64" y="64" width="896" height="896" rx="200" fill="url(#g)"/>
  <circle cx="512" cy="512" r="250" fill="none" stroke="#fff" stroke-width="72" stroke-dasharray="1180 400" stroke-linecap="round" transform="rotate(-60 512 512)"/>
  <circle cx="512" cy="512" r="70" fill="#fff"/>
</svg>`;
await sharp(Buffer.from(svg)).png().toFile('build/icon.png');
await sharp(Buffer.from(svg)).resize(32, 32).png().toFile('build/tray.png');
console.log('wrote build/icon.png and build/tray.png');
