import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";
import { useAuthStore, type Role } from "../stores/auth";
import WorklistView from "../views/WorklistView.vue";

const VILLAGE: Role[] = ["village_worker", "township_officer", "county_officer", "county_admin"];
const STAFF: Role[] = ["village_worker", "township_officer", "county_officer", "county_admin"];
const TOWNSHIP_UP: Role[] = ["township_officer", "county_officer", "county_admin"];
const COUNTY: Role[] = ["county_officer", "county_admin"];
const ALL: Role[] = ["volunteer", ...STAFF];

declare module "vue-router" {
  interface RouteMeta {
    roles?: Role[];
    public?: boolean;
    title?: string;
  }
}

/** The home screen of each role. */
export function homeFor(role: Role | null): string {
  if (role === "township_officer") return "/township";
  if (role === "county_officer" || role === "county_admin") return "/dashboard";
  return "/worklist";
}

// The worklist (the village worker's first screen) is in the main bundle; everything else,
// and the dashboard with ECharts above all, loads when first opened.
export const routes: RouteRecordRaw[] = [
  { path: "/login", component: () => import("../views/LoginView.vue"), meta: { public: true, title: "login.title" } },
  { path: "/", redirect: () => homeFor(useAuthStore().role) },
  { path: "/worklist", component: WorklistView, meta: { roles: ALL, title: "nav.worklist" } },
  { path: "/visit/:elderId", component: () => import("../views/VisitLogView.vue"), meta: { roles: ALL, title: "visit.title" } },
  { path: "/township", component: () => import("../views/TownshipHomeView.vue"), meta: { roles: TOWNSHIP_UP, title: "nav.township" } },
  { path: "/dashboard", component: () => import("../views/DashboardView.vue"), meta: { roles: COUNTY, title: "nav.dashboard" } },
  { path: "/stats/monthly-report", component: () => import("../views/MonthlyReportView.vue"), meta: { roles: TOWNSHIP_UP, title: "nav.report" } },
  { path: "/elders", component: () => import("../views/EldersView.vue"), meta: { roles: ALL, title: "nav.elders" } },
  { path: "/elders/new", component: () => import("../views/ElderFormView.vue"), meta: { roles: VILLAGE, title: "form.createTitle" } },
  { path: "/elders/duplicates", component: () => import("../views/DuplicatesView.vue"), meta: { roles: TOWNSHIP_UP, title: "merge.title" } },
  { path: "/elders/:id", component: () => import("../views/ElderDetailView.vue"), meta: { roles: ALL, title: "nav.elders" } },
  { path: "/elders/:id/edit", component: () => import("../views/ElderFormView.vue"), meta: { roles: VILLAGE, title: "form.editTitle" } },
  // volunteers report for their paired elders and follow their own reports
  { path: "/incidents", component: () => import("../views/IncidentsView.vue"), meta: { roles: ALL, title: "nav.incidents" } },
  { path: "/incidents/:id", component: () => import("../views/IncidentDetailView.vue"), meta: { roles: ALL, title: "nav.incidents" } },
  { path: "/follow-ups", component: () => import("../views/FollowUpsView.vue"), meta: { roles: STAFF, title: "nav.followUps" } },
  { path: "/care/contacts", component: () => import("../views/care/ContactsOverdueView.vue"), meta: { roles: STAFF, title: "nav.contactsOverdue" } },
  { path: "/care/home", component: () => import("../views/care/HomeCareView.vue"), meta: { roles: STAFF, title: "nav.homeCare" } },
  { path: "/volunteers", component: () => import("../views/VolunteersView.vue"), meta: { roles: STAFF, title: "nav.volunteers" } },
  { path: "/sweeps", component: () => import("../views/SweepsView.vue"), meta: { roles: STAFF, title: "nav.sweeps" } },
  { path: "/rosters", component: () => import("../views/RostersView.vue"), meta: { roles: COUNTY, title: "nav.rosters" } },
  { path: "/imports", component: () => import("../views/ImportsView.vue"), meta: { roles: STAFF, title: "nav.imports" } },
  { path: "/admin/users", component: () => import("../views/admin/UsersView.vue"), meta: { roles: ["county_admin"], title: "nav.users" } },
  { path: "/admin/clients", component: () => import("../views/admin/ClientsView.vue"), meta: { roles: ["county_admin"], title: "nav.clients" } },
  { path: "/admin/policies", component: () => import("../views/admin/PoliciesView.vue"), meta: { roles: COUNTY, title: "nav.policies" } },
  { path: "/account/password", component: () => import("../views/account/PasswordView.vue"), meta: { roles: ALL, title: "account.title" } },
  { path: "/relief", component: () => import("../views/relief/ReliefCountyView.vue"), meta: { roles: TOWNSHIP_UP, title: "county.title" } },
  { path: "/elders/:id/print", component: () => import("../views/print/ElderRecordPrint.vue"), meta: { roles: STAFF, title: "print.elderTitle" } },
  { path: "/elders/:id/visit-sheet", component: () => import("../views/print/VisitSheetPrint.vue"), meta: { roles: ALL, title: "print.sheetTitle" } },
  { path: "/incidents/:id/print", component: () => import("../views/print/IncidentPrint.vue"), meta: { roles: ALL, title: "print.incidentTitle" } },
  { path: "/admin/audit", component: () => import("../views/admin/AuditView.vue"), meta: { roles: ["county_admin"], title: "nav.audit" } },
  { path: "/:rest(.*)*", component: () => import("../views/NotFoundView.vue"), meta: { public: true, title: "notFound" } },
];

export const router = createRouter({ history: createWebHistory(), routes });

/** The one guard: logged in, and the route lists the role. The server is the real gate. */
export function guard(to: { meta: { public?: boolean; roles?: Role[] }; fullPath: string }, role: Role | null, loggedIn: boolean): true | string {
  if (to.meta.public) return true;
  if (!loggedIn) return `/login?redirect=${encodeURIComponent(to.fullPath)}`;
  if (to.meta.roles && (!role || !to.meta.roles.includes(role))) return homeFor(role);
  return true;
}

/** After an administrator's reset, the password screen comes before anything else. */
export const PASSWORD_PATH = "/account/password";

router.beforeEach((to) => {
  const auth = useAuthStore();
  if (auth.loggedIn && auth.me?.must_change_password && to.path !== PASSWORD_PATH && to.path !== "/login") return PASSWORD_PATH;
  if (to.path === "/login" && auth.loggedIn && auth.me) return homeFor(auth.role);
  if (to.path === "/") return true;
  return guard(to, auth.role, auth.loggedIn && Boolean(auth.me));
});
