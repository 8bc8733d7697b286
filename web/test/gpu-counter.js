/**
 * Browser init script (Playwright `addInitScript({ path })`) for the /ops e2e test and
 * `npm run bench:ops`: counts the WebGL objects alive in every context of the page — buffers,
 * textures, programs, shaders, framebuffers, renderbuffers, vertex arrays — by wrapping the
 * createX and deleteX methods of WebGL(2)RenderingContext. A lost context's objects are gone with
 * it, so only contexts that are not lost are summed. Read with `window.__gpuCounts()`.
 * Plain JavaScript so that both the web tests and the scripts project can load it by path.
 */
(() => {
  const KINDS = ['Buffer', 'Texture', 'Program', 'Shader', 'Framebuffer', 'Renderbuffer', 'VertexArray'];
  /** context → { counts, live: WeakSet of objects } */
  const perContext = new WeakMap();
  /** WeakRefs, so counting never keeps a dropped canvas's context alive. */
  let contexts = [];
  const stateOf = (gl) => {
    let s = perContext.get(gl);
    if (!s) {
      s = { counts: Object.fromEntries(KINDS.map((k) => [k, 0])), live: new WeakSet() };
      perContext.set(gl, s);
      contexts.push(new WeakRef(gl));
    }
    return s;
  };
  const wrap = (proto) => {
    if (!proto) return;
    for (const kind of KINDS) {
      const create = `create${kind}`;
      const del = `delete${kind}`;
      const origCreate = proto[create];
      const origDelete = proto[del];
      if (typeof origCreate !== 'function' || typeof origDelete !== 'function') continue;
      proto[create] = function (...args) {
        const obj = origCreate.apply(this, args);
        if (obj) {
          const s = stateOf(this);
          s.live.add(obj);
          s.counts[kind]++;
        }
        return obj;
      };
      proto[del] = function (obj, ...rest) {
        const s = perContext.get(this);
        if (obj && s?.live.has(obj)) {
          s.live.delete(obj);
          s.counts[kind]--;
        }
        return origDelete.call(this, obj, ...rest);
      };
    }
  };
  wrap(globalThis.WebGLRenderingContext?.prototype);
  wrap(globalThis.WebGL2RenderingContext?.prototype);
  globalThis.__gpuCounts = () => {
    const total = Object.fromEntries(KINDS.map((k) => [k, 0]));
    let live = 0;
    let lost = 0;
    contexts = contexts.filter((ref) => ref.deref() !== undefined);
    for (const ref of contexts) {
      const gl = ref.deref();
      if (!gl) continue;
      if (gl.isContextLost()) {
        lost++;
        continue;
      }
      live++;
      const s = perContext.get(gl);
      for (const k of KINDS) total[k] += s.counts[k];
    }
    const all = KINDS.reduce((n, k) => n + total[k], 0);
    return { ...total, all, contexts: live, lostContexts: lost };
  };
})();
