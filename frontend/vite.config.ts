import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";
import Components from "unplugin-vue-components/vite";
import { ElementPlusResolver } from "unplugin-vue-components/resolvers";

// Element Plus components are imported where a template uses them (with their own CSS),
// so the first screen only carries the components it shows; heavy screens are lazy routes.
export default defineConfig({
  plugins: [
    vue(),
    Components({ resolvers: [ElementPlusResolver({ importStyle: "css" })], dts: false }),
  ],
  server: {
    proxy: { "/api": "http://127.0.0.1:8000", "/healthz": "http://127.0.0.1:8000" },
  },
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 800 },
  // Element Plus through Vite in unit tests too (its per-component CSS imports)
  test: { environment: "happy-dom", include: ["src/**/*.spec.ts"], server: { deps: { inline: [/element-plus/] } } },
});
