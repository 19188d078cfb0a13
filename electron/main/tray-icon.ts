/**
 * The tray icon. build/tray.png (drawn by scripts/make-icons.mjs) is used when the app can find it (beside the app in
 * development, or in the resources folder when the packager copies it there); otherwise this copy of it, so that the
 * tray never depends on packaging.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const EMBEDDED_TRAY_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAYAAABzenr0AAAACXBIWXMAAAsTAAALEwEAmpwYAAADQklEQVRYhe2XWU9TURRGyw/QH+SDosYxTlGKE0pbEAqlLUhbWkVUcEAmmapQjIk+aBxQpEjBSNQ4j/HBiBqJUSQqVRmK+kSXudwilnNuIWngRXfSpMnN2evbZ39n33N1uv8hBAkuI8kuI51OE0FHOuRnQF4m5JrBngU2C1hzIMcK2TbIsoM5DzJ3QkY+pDsgzQmmAjC4CRo8dBp2o1dy62LF3q3MdRkJuEzgTIN44UY3GDyQugu2FUJKIe0mJ3NiVR6YMfge2FoEW/bSpkOyE24DG2cBzuZ9sHG/0o5J4TRybVbgxZBcTEAUYOLbrMBLIOkAQUGAI51wPHBzEXT3wJMXkFOqDdcfGBMQFgTkx1m5sxzCYcZiMARurwb8IGw4DIKAPA24xQ4Oz/S2veYMjPxURQwMg6VSDl9fKhGQq1H5s+cwOgqV3un1vKAeQhERj7rl8HVHJALsEvjBMv7E0cbpG672wsQ61wkRvrZMIsAm6XnXLTVJ3yfY4RTh1kPahusNqmv9D0X4mnKJAKvEcO/eq0narovwli7VdMqv+YZouOY76truXhG+ulIiIEfi9oEhNUnTGbHycccrofzPLI82XO0V9dm3kAhfVSURkC05akPDapLGs9E9txwWBeyojDZcrV99FhwW4SuPSgRkSc55T6QFrV2i4ZRtH2/B+Zui25vvq2tf9YnwFdUSAWbJOb92W03y8bPc7cq2T65cgW8ohQ9f1bWXH4vw5TUSAZmSIbO/bmKb689NMV7/OmoVrZHWANbTInxZnURAhsaQefpSTaYMF2XITAW3n4TQL3XNw7dy+NJ6iYB0jSFjL1dnuxLKmK29CJs04FX+Cfj3EUhpkMOXeCUC0mJMOI8XhkYm2qEMmUt3oOYKVLfCxXvQG+n5+NGznNKGLz4mEWAqIBxrvGZVwJPXTBl330CqLzZ80XHJ69hYwNfpXCYcTeB/AK/74MsgDP6Alx+h5THYNAwXBW+AhQ30CwJS3XRMBZe91WRDJia8ERJ9tAsCtntIniU4C3wkSa/lKYW0zzR8fhN+6bVcCeWjYUsRV2cM7qNt3gnND5NIQMKmYpL0JXToS+iPG95Af6KPwNi2a1Wu+5fjNzcs68yL0qjdAAAAAElFTkSuQmCC';

export function trayIconCandidates(appPath: string, resourcesPath: string | undefined): string[] {
  return [
    join(appPath, 'build', 'tray.png'),
    ...(resourcesPath ? [join(resourcesPath, 'tray.png'), join(resourcesPath, 'build', 'tray.png')] : []),
  ];
}

/** A file path, or the embedded PNG as a data URL. */
export function trayIconSource(
  appPath: string,
  resourcesPath: string | undefined,
): { path: string } | { dataURL: string } {
  const found = trayIconCandidates(appPath, resourcesPath).find((candidate) => existsSync(candidate));
  return found ? { path: found } : { dataURL: `data:image/png;base64,${EMBEDDED_TRAY_PNG}` };
}
