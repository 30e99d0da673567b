package dev.forge.compiler.schedule;

import java.util.List;
import java.util.Map;

import dev.forge.compiler.graph.GraphFunction;
import dev.forge.compiler.graph.Value;

/**
 * A Graph IR function cut into kernels. Every value the kernels exchange through memory is a
 * parameter, a kernel's output, or a {@code view}: a reshape of one of those, which needs no copy
 * because buffers are contiguous (the map gives the value it reshapes).
 */
public record ScheduleFunction(GraphFunction graph, List<KernelGroup> groups, Map<Value, Value> views) {

	public ScheduleFunction {
		groups = List.copyOf(groups);
		views = Map.copyOf(views);
	}

	public ScheduleFunction withGroups(List<KernelGroup> newGroups) {
		return new ScheduleFunction(graph, newGroups, views);
	}
}
