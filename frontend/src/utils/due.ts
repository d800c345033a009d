// How the worklist says when a visit is due, from the API's signed day count
// (`due_in_days`: positive ahead, 0 today, negative overdue).

type Translate = (key: string, named: Record<string, unknown>, plural: number) => string;

export function dueText(t: Translate, dueInDays: number): string {
  if (dueInDays < 0) return t("worklist.overdue", { n: -dueInDays }, -dueInDays);
  if (dueInDays === 0) return t("worklist.dueToday", {}, 0);
  return t("worklist.dueIn", { n: dueInDays }, dueInDays);
}
