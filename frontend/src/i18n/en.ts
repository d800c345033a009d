import type zh from "./zh-CN";

type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> };

// English: the same keys as zh-CN.ts (checked by the compiler and a unit test).
const en: Shape<typeof zh> = {
  app: { name: "ElderCare", full: "Care for rural left-behind elders", tagline: "ElderCare · care-service register" },
  common: {
    loading: "Loading…", empty: "Nothing here yet", retry: "Retry", error: "Could not load", save: "Save", cancel: "Cancel",
    search: "Search", reset: "Reset", edit: "Edit", create: "New", back: "Back", more: "Load more",
    all: "All", yes: "Yes", no: "No", unknown: "Unknown", actions: "Actions", detail: "Details", total: "{n} in total",
    saved: "Saved", confirm: "OK", close: "Close", none: "None", export: "Export CSV", language: "中文",
    stale: "Someone else changed this record; reload and try again", networkError: "Network error; check the connection and retry", submit: "Submit",
    skip: "Skip to main content", optional: "optional", days: "{n} days", years: "{n} years",
  },
  nav: {
    home: "Home", worklist: "Visits due", elders: "Elders", incidents: "Emergencies", volunteers: "Volunteers & pairings",
    dashboard: "Dashboard", township: "Township", admin: "Administration", users: "Users", clients: "Clients",
    policies: "Policies", audit: "Audit log", logout: "Log out", menu: "Menu",
  },
  login: {
    title: "Log in", username: "Username", password: "Password", submit: "Log in", failed: "Login failed",
    throttled: "Too many attempts: try again in {s} s. After repeated wrong passwords the account waits, and each wait doubles.",
    expired: "Your session has expired (access is short-lived and renews while in use; it ends after a long pause or a logout elsewhere). Please log in again.",
    hint: "Access lasts {m} minutes and renews itself while in use; after a long pause you log in again.",
    required: "Enter your username and password",
  },
  role: {
    volunteer: "Volunteer", village_worker: "Village worker", township_officer: "Township officer",
    county_officer: "County officer", county_admin: "County admin", client: "Integration client",
  },
  risk: { high: "High", key: "Key", general: "General" },
  status: { active: "Active", moved_out: "Moved out", deceased: "Deceased", not_left_behind: "Not left-behind" },
  sex: { male: "Male", female: "Female" },
  category: {
    left_behind: "Left-behind", empty_nest: "Empty nest", living_alone: "Living alone", advanced_age: "Advanced age",
    disabled: "Disabled", severe_disability: "Severe disability", extreme_poverty: "Extreme poverty",
    low_income: "Minimum living allowance", registered_poor: "Registered poor", family_planning_special: "Family-planning special",
    special_difficulty: "Special difficulty",
  },
  living: {
    alone: "Alone", with_spouse: "With spouse", with_children: "With children",
    with_grandchildren: "With grandchildren", with_others: "With others", in_institution: "In an institution",
  },
  selfCare: { independent: "Independent", partly_dependent: "Partly dependent", dependent: "Dependent" },
  method: { home_visit: "Home visit", phone: "Phone", video: "Video" },
  service: {
    cleaning: "Cleaning", laundry: "Laundry", cooking_meals: "Meals", medicine_delivery: "Medicine",
    haircut: "Haircut", blood_pressure_glucose: "Blood pressure/glucose", shopping: "Shopping", companionship: "Company",
    legal_aid: "Legal aid", repairs: "Repairs", other: "Other",
  },
  safety: {
    fall_risk: "Fall risk", fire_gas: "Fire/gas", electrical: "Electrical", housing: "Housing", water: "Water",
    heating: "Heating", wandering: "Wandering", neglect: "Neglect", abuse: "Abuse", other: "Other",
  },
  need: {
    daily_care: "Daily care", rehabilitation: "Rehabilitation", emotional_support: "Emotional support",
    home_modification: "Home adaptation", medical: "Medical", financial: "Financial", legal: "Legal", other: "Other",
  },
  health: {
    hypertension: "Hypertension", severe_hypertension: "Severe hypertension", heart_disease: "Heart disease", diabetes: "Diabetes",
    stroke: "Stroke", dementia: "Dementia", cancer: "Cancer", copd: "COPD", severe_mental_illness: "Severe mental illness",
    arthritis: "Arthritis", vision_hearing_loss: "Vision/hearing loss", other: "Other",
  },
  danger: { none: "None", concern: "Concern", severe: "Severe danger" },
  incidentType: {
    wandering_begging: "Wandering/begging", abuse: "Abuse", critical_illness: "Critical illness",
    severe_mental_illness: "Severe mental illness", major_hardship: "Major hardship", accident: "Accident", other: "Other",
  },
  severity: { critical: "Critical", high: "High", medium: "Medium", low: "Low" },
  incidentStatus: {
    reported: "Reported", acknowledged: "Acknowledged", in_progress: "In progress", escalated: "Escalated", resolved: "Resolved",
  },
  transition: {
    acknowledged: "Acknowledge", in_progress: "Start handling", escalated: "Escalate to county", resolved: "Resolve", reported: "Report",
  },
  relation: {
    son: "Son", daughter: "Daughter", son_in_law: "Son-in-law", daughter_in_law: "Daughter-in-law", spouse: "Spouse",
    grandchild: "Grandchild", sibling: "Sibling", relative: "Relative", neighbour: "Neighbour", other: "Other",
  },
  volunteerKind: {
    village_cadre: "Village cadre", party_member: "Party member", womens_federation: "Women's federation", volunteer: "Volunteer",
    social_worker: "Social worker", village_doctor: "Village doctor", elders_association: "Elders' association", neighbour: "Neighbour",
  },
  eligibility: {
    eligible: "Eligible", likely_eligible: "Likely eligible", not_eligible: "Not eligible", unknown: "To check",
    receiving: "Receiving", notReceiving: "Not receiving", passed: "Passed", failed: "Failed", open: "Open",
  },
  worklist: {
    title: "Visits due", subtitle: "Most overdue first", overdue: "{n} days overdue", dueToday: "Due today",
    dueIn: "Due in {n} days", lastVisit: "Last visit", never: "Never visited", visit: "Log visit", due: "Due",
    emptyDone: "Well done! No visits are due soon.", call: "Call",
  },
  visit: {
    title: "Log a visit", method: "Method", services: "Services given (tap any)", safety: "Safety risks",
    needs: "Needs", danger: "Danger", health: "Health", mental: "Mental state", living: "Living conditions",
    family: "Family support", guardian: "Children/guardians contacted", followUp: "Follow-up", notes: "Notes",
    save: "Save visit", saved: "Visit logged", more: "More fields", visitedAt: "Visited at",
    prompt: "Severe danger found: report an emergency?", report: "Report an emergency",
  },
  elders: {
    title: "Elders", q: "Name / pinyin / initials / ID digits / phone", region: "Region", category: "Category",
    risk: "Risk", status: "Status", age: "Age", ageMin: "Min age", ageMax: "Max age", overdue: "Overdue only",
    name: "Name", idNumber: "ID number", phone: "Phone", village: "Village", address: "Address", new: "Register elder",
    sort: "Sort", sortName: "Pinyin", sortAge: "Age", sortRisk: "Risk",
  },
  elder: {
    profile: "Profile", categories: "Categories and risk", household: "Household", guardians: "Children and guardians",
    caretaker: "Entrusted caretaker", pairings: "Pairings", visits: "Visits", eligibility: "Relief pre-screening",
    benefits: "Benefits", history: "History", reveal: "Show full ID number and phone",
    revealNote: "Showing full details is recorded in the audit log", revealed: "Full details shown (this view was recorded in the audit log)",
    riskReasons: "Risk reasons", leftBehindReason: "Left-behind", birth: "Born", age: "Age", sex: "Sex",
    living: "Living", selfCare: "Self-care", health: "Health", disability: "Disability grade", income: "Income per person/year",
    size: "Household size", members: "Members", primary: "Primary helper", noCaretaker: "No entrusted caretaker",
    criteria: "Criteria", amount: "Amount", notice: "Notice", from: "From", to: "To", who: "By",
    when: "When", field: "Field", old: "Old", newValue: "New", awaySince: "Away since",
    workLocation: "Works in", lastContact: "Last contact", canSupport: "Can support", status: "Status", relation: "Relation",
    monthly: "CNY/month", oneOff: "CNY (one-off)",
  },
  form: {
    createTitle: "Register an elder", editTitle: "Edit elder", idNumber: "ID number", name: "Name",
    derived: "From the ID number: {sex}, born {birth}, {age} years", village: "Village (12-digit code)",
    phone: "Phone", address: "Address", living: "Living arrangement", selfCare: "Self-care", health: "Health conditions",
    notes: "Notes", saved: "Saved", fixErrors: "Please fix the fields in red",
    idProblem: {
      length: "An ID number has 18 digits (or 15 for old ones)", format: "The ID number is malformed",
      checksum: "The ID number's check digit is wrong", birth_date: "The birth date in the ID number is invalid",
    },
  },
  incidents: {
    title: "Emergencies", open: "Open only", overdue: "Overdue", report: "Report", elder: "Elder", type: "Type",
    severity: "Severity", status: "Status", reportedAt: "Reported", dueAt: "Due", description: "Description",
    timeline: "Timeline", note: "Note", transition: "Act", late: "Late", onTime: "On time", noMoves: "Nothing for you to do now",
    reporter: "Reporter", elderId: "Elder",
  },
  township: {
    title: "Township desk", overdueVisits: "Due and overdue visits", openIncidents: "Open emergencies", gaps: "Eligible, not covered",
    program: "Program", seeAll: "See all", rates: "Visit rate by village",
  },
  dashboard: {
    title: "Dashboard", elders: "Elders", leftBehind: "Left-behind", monthlyRate: "Monthly visit rate (special difficulty)",
    within: "Visited within interval", openIncidents: "Open emergencies", overdueIncidents: "Overdue emergencies",
    byTownship: "Categories per township", trend: "Monthly visit rate", coverage: "Relief coverage per program",
    pyramid: "Age pyramid", computedAt: "Figures of {t}", receiving: "Receiving", gaps: "Gaps",
    coverageRate: "Coverage", male: "Male", female: "Female", ageBand: {
      under_60: "Under 60", "60_69": "60–69", "70_79": "70–79", "80_89": "80–89", "90_plus": "90+",
    },
    table: "Data table",
  },
  volunteers: {
    title: "Volunteers and pairings", name: "Name", phone: "Phone", kind: "Kind", region: "Region", capacity: "Pairings",
    active: "Active", pairings: "Pairings", new: "New volunteer", elder: "Elder", volunteer: "Volunteer",
    start: "Start", end: "End", primary: "Primary helper", services: "Services", endPairing: "End pairing",
    openOnly: "Open only",
  },
  admin: {
    users: "Users", clients: "Integration clients", policies: "Policies", audit: "Audit log", username: "Username",
    displayName: "Name", role: "Role", region: "Region", active: "Active", lastLogin: "Last login",
    newUser: "New user", password: "Initial password", clientId: "Client id", scopes: "Scopes",
    newClient: "New client", secret: "Client secret (shown only once: keep it safe)", rotate: "New secret",
    visitPolicy: "Visit intervals", incidentPolicy: "Emergency deadlines", reliefPolicy: "Relief parameters",
    tier: "Tier", interval: "Interval (days)", methods: "Counted methods", effective: "Effective",
    acknowledge: "Acknowledge within (h)", resolve: "Resolve within (h)", actor: "Actor", action: "Action",
    resource: "Resource", outcome: "Outcome", ip: "IP", fields: "Fields", since: "Since",
    eventHours: "Visit after an event (h)", specialMonthly: "Special-difficulty elders monthly", deactivate: "Deactivate", activate: "Activate",
  },
  notFound: "Page not found",
  forbidden: "Your role may not open this page",
};
export default en;
