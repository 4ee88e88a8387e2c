import { describe, expect, it } from "vitest";
import { bytes, fill, missingKeys, words } from "./i18n";

describe("words", () => {
  it("has every English word in Kiswahili and back", () => {
    expect(missingKeys(words.en, words.sw)).toEqual([]);
    expect(missingKeys(words.sw, words.en)).toEqual([]);
  });

  it("leaves no Kiswahili text empty", () => {
    const empty = Object.entries(words.sw).filter(([, v]) => typeof v === "string" && v.trim() === "");
    expect(empty).toEqual([]);
  });

  it("fills placeholders and leaves unknown ones visible", () => {
    expect(fill("Sent {sent} of {waiting}", { sent: 3, waiting: 5 })).toBe("Sent 3 of 5");
    expect(fill("{x} and {y}", { x: 1 })).toBe("1 and {y}");
  });

  it("formats bytes", () => {
    expect(bytes(512)).toBe("512 B");
    expect(bytes(2048)).toBe("2.0 KiB");
    expect(bytes(5 * 1024 ** 3)).toBe("5.0 GiB");
  });
});
