// electron-builder configuration: AppImage and deb (Linux), dmg (macOS), nsis (Windows). The auto-update feed is off
// unless COMPANION_UPDATE_URL names one at build time (a generic feed of latest*.yml files, as electron-updater reads).
const updateURL = process.env.COMPANION_UPDATE_URL;

/** @type {import('electron-builder').Configuration} */
module.exports = {
  appId: 'dev.creator-companion.app',
  productName: 'Creator Companion',
  copyright: 'Copyright © 2026 Creator Companion',
  directories: { output: 'release', buildResources: 'build' },
  // Only what the app runs: the built bundles and the runtime dependencies (devDependencies are never packed).
  files: ['dist/**/*', '!dist/**/*.map', 'package.json'],
  asar: true,
  // Native parts and the utilityProcess entry must be real files on disk.
  asarUnpack: ['node_modules/sharp/**', 'node_modules/@img/**'],
  extraMetadata: { main: 'dist/electron/main.mjs' },
  // The tray icon is read from disk by main (process.resourcesPath).
  extraResources: [{ from: 'build/tray.png', to: 'tray.png' }],
  linux: {
    target: ['AppImage', 'deb'],
    category: 'Graphics',
    icon: 'build/icon.png',
    synopsis: 'Credits, generations and queues of your generative-AI platforms, live',
    maintainer: 'Creator Companion <support@creator-companion.dev>',
  },
  deb: { depends: ['libnotify4', 'libxtst6', 'libnss3'] },
  mac: {
    target: ['dmg'],
    category: 'public.app-category.graphics-design',
    icon: 'build/icon.png',
    hardenedRuntime: true,
    entitlements: 'build/entitlements.mac.plist',
    entitlementsInherit: 'build/entitlements.mac.plist',
  },
  dmg: { title: 'Creator Companion' },
  win: { target: ['nsis'], icon: 'build/icon.png' },
  nsis: { oneClick: false, perMachine: false, allowToChangeInstallationDirectory: true, createDesktopShortcut: true },
  publish: updateURL ? [{ provider: 'generic', url: updateURL }] : null,
};
