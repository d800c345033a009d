import { ElMessage } from "element-plus/es/components/message/index.mjs";
import "element-plus/es/components/message/style/css";

/** A short confirmation at the top of the screen (Element Plus message). */
export function toastOk(message: string): void {
  ElMessage({ message, type: "success", duration: 2500, grouping: true });
}
