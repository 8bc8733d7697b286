import { createReadStream, statSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * Offline Cesium: the engine's static files (web workers, textures incl. Natural Earth II,
 * third-party wasm/js, widget CSS) are served at CESIUM_BASE_URL from the installed package;
 * nothing is fetched from a CDN or from Cesium ion.
 */
const CESIUM_BASE_URL = '/cesium/';
const CESIUM_DIRS = ['Workers', 'Assets', 'ThirdParty', 'Widgets'] as const;

const webRoot = path.dirname(fileURLToPath(import.meta.url));
const cesiumBuild = path.join(
  path.dirname(createRequire(import.meta.url).resolve('cesium/package.json')),
  'Build',
  'Cesium',
);

const MIME: Record<string, string> = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.ktx2': 'image/ktx2',
  '.xml': 'application/xml',
  '.tmp': 'application/octet-stream',
};

/** Dev server: answer `/cesium/<dir>/…` straight from node_modules/cesium/Build/Cesium. */
function cesiumServe(): Plugin {
  return {
    name: 'bdtwin-cesium-serve',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use(CESIUM_BASE_URL, (req, res, next) => {
        const rel = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
        const file = path.join(cesiumBuild, path.normalize(rel));
        const top = rel.split('/').filter(Boolean)[0] ?? '';
        if (!file.startsWith(cesiumBuild + path.sep) || !(CESIUM_DIRS as readonly string[]).includes(top)) {
          next();
          return;
        }
        try {
          const st = statSync(file);
          if (!st.isFile()) throw new Error('not a file');
          res.setHeader('Content-Type', MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream');
          res.setHeader('Content-Length', st.size);
          createReadStream(file).pipe(res);
        } catch {
          res.statusCode = 404;
          res.end();
        }
      });
    },
  };
}

/** Build: copy the same four folders to `<outDir>/cesium/`. */
function cesiumCopy(): Plugin {
  let outDir = '';
  return {
    name: 'bdtwin-cesium-copy',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    async writeBundle() {
      for (const dir of CESIUM_DIRS) {
        await cp(path.join(cesiumBuild, dir), path.join(outDir, 'cesium', dir), { recursive: true });
      }
    },
  };
}

const service = process.env.BDTWIN_SERVICE ?? 'http://localhost:8080';

export default defineConfig({
  root: webRoot,
  base: '/',
  define: {
    CESIUM_BASE_URL: JSON.stringify(CESIUM_BASE_URL),
  },
  plugins: [react(), cesiumServe(), cesiumCopy()],
  server: {
    proxy: {
      '/api': service,
      '/data': service,
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Two pages: the CesiumJS viewer and the light three.js viewer (no Cesium in its bundle).
    rollupOptions: {
      input: { main: path.join(webRoot, 'index.html'), light: path.join(webRoot, 'light.html') },
    },
    chunkSizeWarningLimit: 6000,
  },
});
