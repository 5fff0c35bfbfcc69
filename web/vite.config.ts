import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// The API runs on the same origin in production; in `vite dev` proxy it to `npm start`.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
})
