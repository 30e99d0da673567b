package dev.forge.profiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.forge.compiler.interp.NdArray;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.compiler.tile.TileInterpreter;
import dev.forge.profiler.cuda.SmokeKernels;
import dev.forge.targets.Target;

/**
 * The run every device shares, over executors that stand in for a device: the gate compares with
 * the reference whatever computed the outputs, a reduced instance is used when the reference would
 * be long, admission comes before any input is drawn, and the report carries the device and peaks.
 */
class RunnerTest {

	/** An executor computing with the Tile IR interpreter, then {@code damage} on its outputs. */
	private static final class FakeDevice implements Runner.Executor {
		final List<String> calls = new ArrayList<>();
		final TileFunction f;
		final UnaryOperator<NdArray> damage;

		FakeDevice(TileFunction f, UnaryOperator<NdArray> damage) {
			this.f = f;
			this.damage = damage;
		}

		@Override
		public String device() {
			return "Fake GPU";
		}

		@Override
		public void admit(Map<String, Long> dims) {
			calls.add("admit " + Dims.format(dims));
			if (dims.get("N") > 1L << 32) {
				throw new IllegalArgumentException("too large");
			}
		}

		@Override
		public Map<String, HostTensor> execute(Map<String, HostTensor> inputs, Map<String, Long> dims) {
			calls.add("execute " + Dims.format(dims));
			Map<String, NdArray> arrays = new LinkedHashMap<>();
			inputs.forEach((name, t) -> arrays.put(name, t.toNdArray()));
			Map<String, HostTensor> out = new LinkedHashMap<>();
			TileInterpreter.run(f, arrays, dims).forEach((name, a) -> out.put(name, HostTensor.of(damage.apply(a), f.buffer(name).dtype())));
			return out;
		}

		@Override
		public Runner.Measured measure(Map<String, HostTensor> inputs, Map<String, Long> dims, boolean profile, boolean keepOutputs) {
			calls.add("measure " + Dims.format(dims) + (keepOutputs ? " keeping outputs" : ""));
			return new Runner.Measured(Timing.ofMillis(new double[] { 2, 1, 3 }), keepOutputs ? execute(inputs, dims) : null,
					List.of(new HostRunner.KernelTime("vadd", 4, 2)), "CUDA events");
		}
	}

	private static HostRunner.Request request(long n, boolean profile) {
		return new HostRunner.Request("vadd", SmokeKernels.function(), null, Map.of("N", n), 0, Map.of(), Map.of(), profile, "h100");
	}

	@Test
	void aCorrectDeviceVerifiesOnTheSameInputs() {
		FakeDevice device = new FakeDevice(SmokeKernels.function(), a -> a);
		HostRunner.Result r = Runner.run(request(1000, true), device, null);
		assertTrue(r.report().verified());
		assertEquals("Tile IR interpreter in f64, same inputs", r.report().reference());
		assertEquals(List.of("admit N=1000", "execute N=1000", "measure N=1000"), device.calls);
		assertEquals(2.0, r.report().medianMs());
		assertEquals("Fake GPU", r.report().device());
		assertEquals(List.of(new HostRunner.KernelTime("vadd", 4, 2)), r.kernels());
		assertEquals(1000, r.outputs().get("out").size());
	}

	@Test
	void aWrongResultFailsTheGate() {
		FakeDevice device = new FakeDevice(SmokeKernels.function(), a -> {
			double[] d = a.data().clone();
			d[d.length - 1] += 1; // the ragged edge
			return new NdArray(a.shape(), d);
		});
		HostRunner.Result r = Runner.run(request(1000, false), device, null);
		assertFalse(r.report().verified());
		assertEquals(1, r.report().mismatchCount());
		assertEquals(List.of(), r.kernels(), "no kernel table unless profiling");
	}

	@Test
	void aLongReferenceRunsOnAReducedInstance() {
		// 100M adds are over the reference's budget of 60M FLOPs: N is halved once
		assertEquals(Map.of("N", 50_000_000L), Runner.reduced(SmokeKernels.function(), null, Map.of("N", 100_000_000L)));
		assertEquals(Map.of("N", 1000L), Runner.reduced(SmokeKernels.function(), null, Map.of("N", 1000L)));
	}

	@Test
	void admissionComesBeforeAnyInputIsDrawn() {
		FakeDevice device = new FakeDevice(SmokeKernels.function(), a -> a);
		assertThrows(IllegalArgumentException.class, () -> Runner.run(request(1000, false), device, null, new HostCapacity(1000, 1L << 30)));
		assertEquals(List.of(), device.calls, "the host's native tensors are refused before the device is asked");
		Runner.run(request(1000, false), device, null, new HostCapacity(1L << 40, 1L << 30));
		assertEquals("admit N=1000", device.calls.get(0));
	}

	@Test
	void tensorsLargerThanTheMachineAreRefusedWithTheSizes() {
		FakeDevice device = new FakeDevice(SmokeKernels.function(), a -> a);
		// x and y of 3e9 f32 each (more than 2^31 elements: native tensors, no longer refused for that) and out
		IllegalArgumentException e = assertThrows(HostMemoryException.class,
				() -> Runner.run(request(3_000_000_000L, false), device, null, new HostCapacity(16L << 30, 1L << 30)));
		assertEquals("@vadd at N=3000000000: inputs 22.4 GiB + outputs 11.2 GiB exceed 16 GiB available: use smaller --dims", e.getMessage());
		assertEquals(List.of(), device.calls);
	}

	@Test
	void aTensorBeyondTwoToThe31IsCheckedOnAReducedInstanceWithinTheHeap() {
		// 3e9 elements: no f64 array holds one, so the check is reduced below 2^31 and within the heap
		Map<String, Long> reduced = Runner.reduced(SmokeKernels.function(), null, Map.of("N", 3_000_000_000L), 1L << 30);
		assertTrue(reduced.get("N") <= NdArray.MAX_ELEMENTS, reduced.toString());
		assertTrue(HostFootprint.of(SmokeKernels.function(), null, reduced).referenceFits(1L << 30), reduced.toString());
		assertEquals(Map.of("N", 11_718_750L), reduced); // halved 8 times: 48 bytes per element within 0.8 GiB
	}

	@Test
	void aReferenceOverTheHeapRunsOnAReducedInstance() {
		// 3 x 8 bytes per element of copies plus the reference's 3 buffers: 48 bytes per element
		Map<String, Long> reduced = Runner.reduced(SmokeKernels.function(), null, Map.of("N", 1_000_000L), 48L * 200_000 * 10 / 8);
		assertEquals(Map.of("N", 125_000L), reduced);
	}

	@Test
	void givenInputsTheReferenceCannotHoldAreCheckedOnAReducedSeededInstance() {
		FakeDevice device = new FakeDevice(SmokeKernels.function(), a -> a);
		Map<String, HostTensor> given = HostRunner.given(SmokeKernels.function(),
				Map.of("x", NdArray.of(new long[] { 1000 }, i -> i), "y", NdArray.of(new long[] { 1000 }, i -> 1)));
		HostRunner.Request request = new HostRunner.Request("vadd", SmokeKernels.function(), null, Map.of("N", 1000L), 0, given, Map.of(), false, "h100");
		// room for the check's 48 bytes per element at N=500, not at N=1000
		HostRunner.Result r = Runner.run(request, device, null, new HostCapacity(1L << 40, 48L * 500 * 10 / 8));
		assertTrue(r.report().verified(), r.report().toText());
		assertEquals("Tile IR interpreter in f64, reduced instance N=500 with seeded inputs", r.report().reference());
		assertEquals(999.0 + 1, r.outputs().get("out").get(999), "the timed run is on the given inputs");
	}

	@Test
	void anEmptyDimRunsAndGivesEmptyOutputs() {
		FakeDevice device = new FakeDevice(SmokeKernels.function(), a -> a);
		HostRunner.Result r = Runner.run(request(0, false), device, null);
		assertTrue(r.report().verified(), r.report().toText());
		assertEquals(0, r.outputs().get("out").size());
	}

	@Test
	void peaksGiveTheShareOfTheChip() {
		Target chip = new Target("h100", "", List.of(), Map.of("kind", "gpu", "memory.dram.bandwidth", 3.35e12, "peak.vector.f32", 66.9e12), "");
		HostRunner.Result r = Runner.run(request(1000, false), new FakeDevice(SmokeKernels.function(), a -> a), Peaks.of(chip, SmokeKernels.function()));
		// 1024 adds (4 programs of 256, counted in full at the ragged edge) and 12000 bytes in 2 ms
		assertEquals(100 * 1024 / 2e-3 / 66.9e12, r.report().peakFlopsPercent(), 1e-15);
		assertEquals(100 * 12000 / 2e-3 / 3.35e12, r.report().peakBandwidthPercent(), 1e-15);
		assertTrue(r.report().toText().contains("\nroofline   7.7e-07% of the f32 peak (66.9 TFLOP/s), 0.00018% of DRAM bandwidth (3350 GB/s)\n"),
				r.report().toText());
		JsonObject o = JsonParser.parseString(r.report().toJson()).getAsJsonObject();
		assertEquals("Fake GPU", o.get("device").getAsString());
		assertEquals("CUDA events", o.get("timing_method").getAsString());
		assertTrue(o.has("peak_flops_percent") && o.has("peak_bandwidth_percent"));
	}
}
