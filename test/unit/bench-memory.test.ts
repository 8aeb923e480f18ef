// The benchmark's hold on free page reporting: the order it sets is above every free list's.
import { describe, expect, test } from "vitest";
import { orderAboveLargest } from "../../bench/memory";

describe("orderAboveLargest", () => {
  test("one above the largest order /proc/buddyinfo lists (orders 0-10: 11)", () => {
    const buddyinfo = [
      "Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 ",
      "Node 0, zone    DMA32      5      4      4      2      2      3      3      1      1      2    753 ",
      "Node 0, zone   Normal  22100  16261  10913   8584   5637   4926   3461   1670   1258    820   1463 ",
      "",
    ].join("\n");
    expect(orderAboveLargest(buddyinfo)).toBe(11);
  });

  test("a kernel with more orders, and nothing to read", () => {
    expect(orderAboveLargest("Node 0, zone   Normal  1 2 3 4 5 6 7 8 9 10 11 12 13\n")).toBe(13);
    expect(orderAboveLargest("")).toBeUndefined();
  });
});
