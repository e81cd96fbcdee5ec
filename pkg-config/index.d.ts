export * from './reelcut.js';
/**
 * Loads and instantiates the wasm module; call once before anything else. Without an argument it fetches
 * reelcut_bg.wasm from beside the package (also under Vite's dev server, which re-bundles dependencies);
 * pass `{ module_or_path }` (a URL, `Response`, bytes or a compiled `WebAssembly.Module`) to load it from
 * elsewhere.
 */
export { default } from './reelcut.js';
