// What needs the user now (the bell and the menu badges): counts from the server, polled
// about every minute while the app is open. "Seen" is kept on the server, so a reload
// loses nothing.
import { defineStore } from "pinia";
import { api, type Schemas } from "../api/client";

export type Counts = Schemas["NotificationsOut"];
export const POLL_MS = 60_000;

let timer: ReturnType<typeof setInterval> | null = null;

export const useNotificationsStore = defineStore("notifications", {
  state: () => ({ counts: null as Counts | null }),
  getters: {
    total: (s) => s.counts?.total ?? 0,
    incidents: (s) => (s.counts ? s.counts.incidents_escalated + s.counts.incidents_overdue : 0),
  },
  actions: {
    async refresh(): Promise<void> {
      try {
        const r = await api.GET("/api/v1/notifications");
        if (r.data) this.counts = r.data;
      } catch {
        /* offline: keep the last counts */
      }
    },
    start(): void {
      this.stop();
      void this.refresh();
      timer = setInterval(() => void this.refresh(), POLL_MS);
    },
    stop(): void {
      if (timer) clearInterval(timer);
      timer = null;
    },
    /** The bell was opened: imports finished until now are no longer new. */
    async markSeen(): Promise<void> {
      if (!this.counts?.imports_finished) return;
      await api.POST("/api/v1/notifications/seen");
      await this.refresh();
    },
  },
});
