"""Window kinds for `KeyedStream.window(...)` (WindowSpec in proto/streaming.proto)."""

from __future__ import annotations


class Window:
    kind = ""

    def __init__(self, size: int, slide: int = 0):
        for what, v in (("size", size), ("slide", slide)):
            if not isinstance(v, int) or isinstance(v, bool) or v < 0 or v > 2**32 - 1:
                raise ValueError(f"window {what} must be an integer in [0, 2^32), got {v!r}")
        if size < 1:
            raise ValueError(f"window size must be at least 1, got {size}")
        self.size = size
        self.slide = slide

    def __repr__(self) -> str:
        slide = f", {self.slide}" if self.slide else ""
        return f"{type(self).__name__}({self.size}{slide})"


class TumblingCountWindow(Window):
    """Every `size` records of a key."""
    kind = "TUMBLING_COUNT"

    def __init__(self, size: int):
        super().__init__(size)


class SlidingCountWindow(Window):
    """The last `size` records of a key, every `slide` records."""
    kind = "SLIDING_COUNT"

    def __init__(self, size: int, slide: int):
        super().__init__(size, slide)
        if slide < 1:
            raise ValueError("a sliding window's slide must be at least 1")


class TumblingEventTimeWindow(Window):
    """[k*size, (k+1)*size) ms of event time; fired when the watermark passes its end."""
    kind = "TUMBLING_EVENT_TIME"

    def __init__(self, size_ms: int):
        super().__init__(size_ms)


class SlidingEventTimeWindow(Window):
    """Windows of `size_ms` of event time starting every `slide_ms`."""
    kind = "SLIDING_EVENT_TIME"

    def __init__(self, size_ms: int, slide_ms: int):
        super().__init__(size_ms, slide_ms)
        if slide_ms < 1:
            raise ValueError("a sliding window's slide must be at least 1")
