import { describe, expect, it } from "vitest";
import { ApiError, fieldErrors, ifMatch, problemMessage, rowErrors, saveFailure, unwrap } from "./problem";

const p422 = {
  status: 422,
  detail: "提交的数据有误，请检查标出的字段",
  code: "validation_failed",
  errors: [{ loc: ["body", "id_number"], code: "id_number.checksum", message: "身份证号码校验位不正确，请核对" }],
};

describe("problem details", () => {
  it("maps field errors by field name", () => {
    expect(fieldErrors(p422)).toEqual({ id_number: "身份证号码校验位不正确，请核对" });
  });
  it("prefers field messages, then detail, then the fallback", () => {
    expect(problemMessage(p422, "x")).toBe("身份证号码校验位不正确，请核对");
    expect(problemMessage({ detail: "用户名或密码错误" }, "x")).toBe("用户名或密码错误");
    expect(problemMessage(undefined, "加载失败")).toBe("加载失败");
  });
  it("unwrap throws an ApiError carrying the problem", () => {
    const response = new Response(null, { status: 422 });
    expect(() => unwrap({ error: p422, response })).toThrow(ApiError);
    expect(unwrap({ data: 1, response: new Response(null, { status: 200 }) })).toBe(1);
  });

  it("sends the version as a quoted ETag in If-Match, and nothing without one", () => {
    expect(ifMatch(3)).toEqual({ "If-Match": '"3"' });
    expect(ifMatch(null)).toEqual({});
  });
  it("explains a save refused on 412, field errors apart from the summary, and the network", () => {
    const text = { stale: "已被他人修改", network: "网络异常", fallback: "失败" };
    expect(saveFailure(new ApiError(412, { detail: "Precondition Failed" }), text)).toEqual({ message: "已被他人修改", fields: {} });
    const bad = saveFailure(new ApiError(422, p422), text);
    expect(bad.fields).toEqual({ id_number: "身份证号码校验位不正确，请核对" });
    expect(bad.message).toBe("提交的数据有误，请检查标出的字段");
    expect(saveFailure(new ApiError(409, { detail: "该志愿者结对人数已满" }), text).message).toBe("该志愿者结对人数已满");
    expect(saveFailure(new TypeError("fetch failed"), text)).toEqual({ message: "网络异常", fields: {} });
  });
  it("finds the errors of each row of a list field", () => {
    const p = { errors: [
      { loc: ["body", "supporters", 1, "age"], message: "不能大于 120" },
      { loc: ["body", "supporters", 1, "age"], message: "second" },
      { loc: ["body", "supporters", 0, "relation"], message: "必填" },
      { loc: ["body", "supporters"], message: "whole list" },
      { loc: ["body", "household_size"], message: "other" },
    ] };
    expect(rowErrors(p, "supporters")).toEqual({ "1.age": "不能大于 120", "0.relation": "必填" });
    expect(rowErrors(undefined, "supporters")).toEqual({});
  });
});
