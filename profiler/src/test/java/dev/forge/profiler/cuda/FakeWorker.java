package dev.forge.profiler.cuda;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;

/**
 * A stand-in for {@link GpuWorker} that misbehaves on purpose, so the runner's handling of worker
 * failures is tested without a GPU. {@code args[0]}: {@code fault} (answers a run with a sticky
 * fault, then exits as the real worker does), {@code die} (dies mid-request, leaving a last word on
 * stderr), {@code hang} (never answers), {@code old} (speaks another protocol version).
 */
public final class FakeWorker {

	public static void main(String[] args) throws IOException, InterruptedException {
		String mode = args[0];
		DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)));
		DataInputStream in = new DataInputStream(System.in);
		int protocol = mode.equals("old") ? GpuWorker.PROTOCOL + 1 : GpuWorker.PROTOCOL;
		WorkerChannel.write(out, WorkerChannel.success(Map.of("protocol", protocol, "pid", ProcessHandle.current().pid())), List.of());
		while (true) {
			try (Arena arena = Arena.ofConfined()) {
				WorkerChannel.Message request = WorkerChannel.read(in, arena);
				String op = request.header().get("op").getAsString();
				if (op.equals("device")) {
					WorkerChannel.write(out, WorkerChannel.success(new DeviceInfo("Fake GPU", 9, 0, 132, 1L << 30, 2L << 30, 50L << 20, 232448, 13000)),
							List.of());
					continue;
				}
				switch (mode) {
					case "fault" -> {
						GpuJob job = WorkerChannel.GSON.fromJson(request.header().get("job"), GpuJob.class);
						String symbol = job.kernels().get(0).symbol();
						WorkerChannel.write(out, WorkerChannel.failure(new WorkerFailure("fault", "cuCtxSynchronize(after @vadd) failed: CUDA_ERROR_ILLEGAL_ADDRESS",
								"cuCtxSynchronize(after @vadd)", 700, "CUDA_ERROR_ILLEGAL_ADDRESS", symbol)), List.of());
						Runtime.getRuntime().halt(GpuWorker.FAULT_STATUS);
					}
					case "die" -> {
						System.err.println("boom: a simulated crash");
						Runtime.getRuntime().halt(7);
					}
					case "hang" -> Thread.sleep(Long.MAX_VALUE);
					default -> WorkerChannel.write(out, WorkerChannel.success(null), request.blobs());
				}
			}
		}
	}
}
