/** What a prompt "looks like": a seeded scene of gradients and glows, drawn into raw RGB pixels (images and video frames). */
import sharp from 'sharp';
import { type Rgb, SeededRandom, hslToRgb, clampByte, rawRgb } from './render.js';

/** Scenes are drawn in JavaScript at most this large; libvips scales them up, which smooth gradients survive. */
const SCENE_DRAW_MAX_SIDE = 1024;

// ---- scenes: what a prompt "looks like" ---------------------------------------------------------------------

interface Glow {
  /** Centre in the unit square, and how far it orbits over one loop of a video. */
  x: number;
  y: number;
  orbitX: number;
  orbitY: number;
  phase: number;
  /** Radius as a fraction of the shorter side. */
  radius: number;
  strength: number;
  colour: Rgb;
}

interface Scene {
  /** Top-left, top-right, bottom-left, bottom-right. */
  corners: readonly [Rgb, Rgb, Rgb, Rgb];
  glows: readonly Glow[];
  ripple: { angle: number; frequency: number; amplitude: number; phase: number };
}

export function composeScene(random: SeededRandom): Scene {
  const baseHue = random.between(0, 360);
  const paletteColour = (lightness: number): Rgb =>
    hslToRgb(baseHue + random.between(-70, 70), random.between(0.45, 0.9), lightness);
  const corners = [
    paletteColour(random.between(0.25, 0.6)),
    paletteColour(random.between(0.25, 0.6)),
    paletteColour(random.between(0.25, 0.6)),
    paletteColour(random.between(0.25, 0.6)),
  ] as const;
  const glows = Array.from({ length: random.integer(3, 7) }, () => ({
    x: random.between(0.1, 0.9),
    y: random.between(0.1, 0.9),
    orbitX: random.between(0.03, 0.15),
    orbitY: random.between(0.03, 0.15),
    phase: random.next(),
    radius: random.between(0.12, 0.45),
    strength: random.between(0.5, 0.95),
    colour: hslToRgb(baseHue + 180 + random.between(-90, 90), random.between(0.5, 1), random.between(0.45, 0.8)),
  }));
  const ripple = {
    angle: random.between(0, Math.PI),
    frequency: random.between(1.5, 6),
    amplitude: random.between(0.04, 0.12),
    phase: random.next(),
  };
  return { corners, glows, ripple };
}

/** The scene as raw RGB at exactly width x height, drawn small and scaled by libvips when the output is large. */
export async function drawSceneAt(scene: Scene, width: number, height: number): Promise<Buffer> {
  const scale = Math.min(1, SCENE_DRAW_MAX_SIDE / Math.max(width, height));
  if (scale === 1) return drawScene(scene, width, height, 0);
  const drawWidth = Math.max(1, Math.round(width * scale));
  const drawHeight = Math.max(1, Math.round(height * scale));
  return sharp(drawScene(scene, drawWidth, drawHeight, 0), rawRgb(drawWidth, drawHeight))
    .resize(width, height, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer();
}

/** Raw RGB pixels of the scene at `time` in [0, 1): one loop of a video, glows orbiting back to where they began. */
export function drawScene(scene: Scene, width: number, height: number, time: number): Buffer {
  // Layers are blended in floating point and rounded once at the end, so layer order alone decides the picture.
  const canvas = new Float32Array(width * height * 3);
  paintGradient(canvas, scene, width, height, time);
  const shorter = Math.min(width, height);
  for (const glow of scene.glows) {
    const turn = 2 * Math.PI * (time + glow.phase);
    paintGlow(canvas, width, height, {
      x: (glow.x + glow.orbitX * Math.sin(turn)) * width,
      y: (glow.y + glow.orbitY * Math.cos(turn)) * height,
      radius: glow.radius * shorter,
      strength: glow.strength,
      colour: glow.colour,
    });
  }
  const pixels = Buffer.alloc(canvas.length);
  for (let i = 0; i < canvas.length; i += 1) pixels[i] = clampByte(canvas[i]!);
  return pixels;
}

/** The four-corner gradient, lit by a travelling ripple of light. */
function paintGradient(canvas: Float32Array, scene: Scene, width: number, height: number, time: number): void {
  const [topLeft, topRight, bottomLeft, bottomRight] = scene.corners;
  const { ripple } = scene;
  // sin(a + b) = sin a cos b + cos a sin b: the ripple costs one sine per row and column instead of one per pixel.
  const along = 2 * Math.PI * ripple.frequency;
  const columnSin = new Float64Array(width);
  const columnCos = new Float64Array(width);
  for (let x = 0; x < width; x += 1) {
    const angle = (along * Math.cos(ripple.angle) * (x + 0.5)) / width;
    columnSin[x] = Math.sin(angle);
    columnCos[x] = Math.cos(angle);
  }
  for (let y = 0; y < height; y += 1) {
    const v = (y + 0.5) / height;
    const rowAngle = along * Math.sin(ripple.angle) * v + 2 * Math.PI * (ripple.phase + time);
    const rowSin = Math.sin(rowAngle);
    const rowCos = Math.cos(rowAngle);
    const leftR = topLeft[0] + (bottomLeft[0] - topLeft[0]) * v;
    const leftG = topLeft[1] + (bottomLeft[1] - topLeft[1]) * v;
    const leftB = topLeft[2] + (bottomLeft[2] - topLeft[2]) * v;
    const spanR = topRight[0] + (bottomRight[0] - topRight[0]) * v - leftR;
    const spanG = topRight[1] + (bottomRight[1] - topRight[1]) * v - leftG;
    const spanB = topRight[2] + (bottomRight[2] - topRight[2]) * v - leftB;
    let offset = y * width * 3;
    for (let x = 0; x < width; x += 1) {
      const u = (x + 0.5) / width;
      const light = 1 + ripple.amplitude * (columnSin[x]! * rowCos + columnCos[x]! * rowSin);
      canvas[offset] = (leftR + spanR * u) * light;
      canvas[offset + 1] = (leftG + spanG * u) * light;
      canvas[offset + 2] = (leftB + spanB * u) * light;
      offset += 3;
    }
  }
}

interface PlacedGlow {
  x: number;
  y: number;
  radius: number;
  strength: number;
  colour: Rgb;
}

/** A soft disc of colour (smoothstep falloff), painted only inside its bounding box. */
function paintGlow(canvas: Float32Array, width: number, height: number, glow: PlacedGlow): void {
  const [red, green, blue] = glow.colour;
  const left = Math.max(0, Math.floor(glow.x - glow.radius));
  const right = Math.min(width, Math.ceil(glow.x + glow.radius));
  const top = Math.max(0, Math.floor(glow.y - glow.radius));
  const bottom = Math.min(height, Math.ceil(glow.y + glow.radius));
  const radiusSquared = glow.radius * glow.radius;
  for (let y = top; y < bottom; y += 1) {
    const dy = y + 0.5 - glow.y;
    for (let x = left; x < right; x += 1) {
      const dx = x + 0.5 - glow.x;
      const distanceSquared = dx * dx + dy * dy;
      if (distanceSquared >= radiusSquared) continue;
      const edge = 1 - Math.sqrt(distanceSquared / radiusSquared);
      const weight = glow.strength * edge * edge * (3 - 2 * edge);
      const offset = (y * width + x) * 3;
      canvas[offset] = canvas[offset]! + (red - canvas[offset]!) * weight;
      canvas[offset + 1] = canvas[offset + 1]! + (green - canvas[offset + 1]!) * weight;
      canvas[offset + 2] = canvas[offset + 2]! + (blue - canvas[offset + 2]!) * weight;
    }
  }
}
