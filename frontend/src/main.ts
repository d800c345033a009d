import { createApp } from "vue";
import { createPinia } from "pinia";
import App from "./App.vue";
import { i18n, setLocale, currentLocale } from "./i18n";
import { router } from "./router";
import { setExpiredHandler, useAuthStore } from "./stores/auth";
import "./style.css";

const app = createApp(App);
app.use(createPinia());
app.use(i18n);
app.use(router);

setExpiredHandler(() => {
  const here = router.currentRoute.value.fullPath;
  if (!here.startsWith("/login")) void router.push(`/login?expired=1&redirect=${encodeURIComponent(here)}`);
});

void setLocale(currentLocale());
const auth = useAuthStore();
// A returning user's cached identity lets the first screen render at once; it is checked
// against the server in the background (a refused session ends up on the login screen).
if (auth.loggedIn) void auth.loadMe().catch(() => undefined);
app.mount("#app");
