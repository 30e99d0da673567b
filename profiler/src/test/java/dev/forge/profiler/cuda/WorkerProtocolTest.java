package dev.forge.profiler.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.forge.compiler.host.KernelAbi;
import dev.forge.compiler.tile.LaunchPlan;

/**
 * The runner's conversation with its GPU worker, without a GPU: the framing in memory, the real
 * worker process started as the runner starts it (a ping round trip, the no-GPU error), and
 * {@link FakeWorker}s that fault, die or hang, after which the next request must get a fresh worker.
 */
class WorkerProtocolTest {

	/** Blob sizes around the framing's 1 MiB chunk, and empty ones. */
	@ParameterizedTest
	@ValueSource(longs = { 0, 1, 7, (1 << 20) - 1, 1 << 20, (3 << 20) + 5 })
	void framesHeadersAndBlobsOfAnySize(long size) throws IOException {
		try (Arena arena = Arena.ofConfined()) {
			GpuJob job = job();
			List<MemorySegment> blobs = List.of(pattern(arena, size, 1), pattern(arena, 3, 2), pattern(arena, size, 3));
			ByteArrayOutputStream bytes = new ByteArrayOutputStream();
			WorkerChannel.write(new DataOutputStream(bytes), WorkerChannel.request("run", job), blobs);
			DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));
			WorkerChannel.Message m = WorkerChannel.read(in, arena);
			assertEquals("run", m.header().get("op").getAsString());
			assertEquals(job, WorkerChannel.GSON.fromJson(m.header().get("job"), GpuJob.class));
			assertEquals(blobs.size(), m.blobs().size());
			for (int b = 0; b < blobs.size(); b++) {
				assertEquals(-1, blobs.get(b).mismatch(m.blobs().get(b)), "blob " + b);
			}
			assertThrows(EOFException.class, () -> WorkerChannel.read(in, arena), "the end of the stream");
		}
	}

	@Test
	void aStreamThatIsNotAWorkersIsRefused() {
		byte[] text = "Picked up JAVA_TOOL_OPTIONS: -Xmx1g\n".getBytes();
		IOException e = assertThrows(IOException.class,
				() -> WorkerChannel.read(new DataInputStream(new ByteArrayInputStream(text)), Arena.ofAuto()));
		assertTrue(e.getMessage().startsWith("not a Forge worker message"), e.getMessage());
	}

	@Test
	void theRealWorkerEchoesAPing() {
		try (GpuWorkerClient client = new GpuWorkerClient(GpuWorkerClient.defaultCommand()); Arena arena = Arena.ofConfined()) {
			List<MemorySegment> blobs = List.of(pattern(arena, (2 << 20) + 3, 5), pattern(arena, 0, 0));
			List<MemorySegment> back = client.ping(blobs, arena);
			assertEquals(2, back.size());
			assertEquals(-1, blobs.get(0).mismatch(back.get(0)));
			assertEquals(0, back.get(1).byteSize());
			assertTrue(client.workerPid() > 0);
		}
	}

	@Test
	void aFaultNamesTheKernelAndItsLineAndTheNextRequestGetsAFreshWorker() {
		try (GpuWorkerClient client = new GpuWorkerClient(fake("fault")); Arena arena = Arena.ofConfined()) {
			client.device();
			long first = client.workerPid();
			KernelFaultException e = assertThrows(KernelFaultException.class, () -> client.run(job(), List.of(), arena, Duration.ofSeconds(30)));
			assertEquals("kernel @vadd faulted: CUDA_ERROR_ILLEGAL_ADDRESS (kernel at smoke/vadd.forge:3)", e.getMessage());
			assertEquals(700, e.code());
			assertEquals("vadd", e.kernel());
			assertEquals(-1, client.workerPid(), "the faulted worker is gone");
			assertEquals("Fake GPU", client.device().name());
			assertNotEquals(first, client.workerPid());
		}
	}

	@Test
	void aWorkerThatDiesIsReportedWithItsLastWordsAndReplaced() {
		try (GpuWorkerClient client = new GpuWorkerClient(fake("die")); Arena arena = Arena.ofConfined()) {
			GpuWorkerException e = assertThrows(GpuWorkerException.class, () -> client.run(job(), List.of(), arena, Duration.ofSeconds(30)));
			assertTrue(e.getMessage().startsWith("the GPU worker exited (status 7) while running @vadd"), e.getMessage());
			assertTrue(e.getMessage().endsWith("boom: a simulated crash"), e.getMessage());
			assertEquals("Fake GPU", client.device().name(), "a fresh worker answers");
		}
	}

	@Test
	void aWorkerThatHangsIsStoppedAtTheDeadline() {
		try (GpuWorkerClient client = new GpuWorkerClient(fake("hang")); Arena arena = Arena.ofConfined()) {
			GpuWorkerException e = assertThrows(GpuWorkerException.class, () -> client.run(job(), List.of(), arena, Duration.ofSeconds(1)));
			assertTrue(e.getMessage().startsWith("the GPU worker did not answer within 1 s while running @vadd (a kernel that never ends?)"),
					e.getMessage());
			assertEquals(-1, client.workerPid());
		}
	}

	@Test
	void aWorkerOfAnotherProtocolIsRefused() {
		try (GpuWorkerClient client = new GpuWorkerClient(fake("old"))) {
			GpuWorkerException e = assertThrows(GpuWorkerException.class, client::device);
			assertTrue(e.getMessage().contains("it speaks protocol " + (GpuWorker.PROTOCOL + 1)), e.getMessage());
		}
	}

	@Test
	void aWorkerThatCannotStartSaysSo() {
		try (GpuWorkerClient client = new GpuWorkerClient(List.of(Path.of("no", "such", "java").toString()))) {
			GpuWorkerException e = assertThrows(GpuWorkerException.class, client::device);
			assertTrue(e.getMessage().startsWith("cannot start the GPU worker (no/such/java)"), e.getMessage());
		}
	}

	/** The smoke test's vector add at N=1000, as the worker receives it. */
	static GpuJob job() {
		LaunchPlan plan = LaunchPlan.of(SmokeKernels.function(), Map.of(SmokeKernels.N, 1000L), KernelAbi::storageBytes);
		return GpuJobs.job(plan, SmokeKernels.vadd(), List.of("out"), new GpuJob.Timing(1000, 5, 1000, true, true));
	}

	private static List<String> fake(String mode) {
		List<String> command = new ArrayList<>(GpuWorkerClient.defaultCommand());
		command.set(command.size() - 1, FakeWorker.class.getName());
		command.add(mode);
		return command;
	}

	private static MemorySegment pattern(Arena arena, long size, int seed) {
		MemorySegment s = arena.allocate(Math.max(1, size)).asSlice(0, size);
		for (long i = 0; i < size; i++) {
			s.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31 + seed));
		}
		return s;
	}
}
