"""Streaming jobs on Colony: a DataStream API over actors, with batched channels,
credit-based back-pressure and exactly-once checkpoints (docs/streaming.md).

    import colony
    from colony.streaming import StreamingContext, FileSink

    colony.init()
    ctx = StreamingContext(parallelism=2)
    (ctx.from_collection(["to be or not to be"])
        .flat_map(str.split)
        .key_by(lambda w: w)
        .process(lambda n, w, _: ((n or 0) + 1, [[w, (n or 0) + 1]]))
        .sink(FileSink("/tmp/counts")))
    ctx.execute("wordcount").wait()
"""

from colony.streaming.context import (DataStream, JavaOperator, KeyedStream, StreamingContext,
                                      WindowedStream, java_operator)
from colony.streaming.functions import (CallbackSink, CollectionSource, FileSink,
                                        GeneratorSource, Sink, SourceFunction, read_file_sink)
from colony.streaming.job import FAILED, FINISHED, RESTARTING, RUNNING, STOPPED, JobHandle
from colony.streaming.plan import ChannelConfig, CheckpointConfig, JobPlan, PlanError
from colony.streaming.windows import (SlidingCountWindow, SlidingEventTimeWindow,
                                      TumblingCountWindow, TumblingEventTimeWindow, Window)

__all__ = ["StreamingContext", "DataStream", "KeyedStream", "WindowedStream", "JavaOperator",
           "java_operator", "SourceFunction", "CollectionSource", "GeneratorSource", "Sink",
           "FileSink", "CallbackSink", "read_file_sink", "JobHandle", "RUNNING", "RESTARTING",
           "FINISHED", "FAILED", "STOPPED", "ChannelConfig", "CheckpointConfig", "JobPlan",
           "PlanError", "Window", "TumblingCountWindow", "SlidingCountWindow",
           "TumblingEventTimeWindow", "SlidingEventTimeWindow"]
