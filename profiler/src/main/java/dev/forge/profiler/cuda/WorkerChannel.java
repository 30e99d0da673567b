package dev.forge.profiler.cuda;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * The framing between the runner and its GPU worker, over the worker's stdin and stdout. A message
 * is a JSON header and any number of binary blobs (tensor contents, which may exceed 2 GiB):
 *
 * <pre>
 * int32 headerBytes, UTF-8 JSON header, int32 blobCount, then per blob: int64 bytes, the bytes
 * </pre>
 *
 * big-endian lengths ({@link DataOutputStream}). Requests carry {@code "op"}; answers carry
 * {@code "ok"} and either {@code "result"} or a {@link WorkerFailure} under {@code "failure"}.
 */
final class WorkerChannel {

	/** Headers are small (a PTX module, a job): a larger length means the stream is not a Forge worker's. */
	private static final int MAX_HEADER_BYTES = 256 << 20;
	private static final int CHUNK = 1 << 20;

	static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

	/** A header and its blobs. */
	record Message(JsonObject header, List<MemorySegment> blobs) {
		Message {
			blobs = List.copyOf(blobs);
		}
	}

	private WorkerChannel() {
	}

	static void write(DataOutputStream out, JsonObject header, List<MemorySegment> blobs) throws IOException {
		byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
		out.writeInt(h.length);
		out.write(h);
		out.writeInt(blobs.size());
		byte[] chunk = new byte[CHUNK];
		for (MemorySegment blob : blobs) {
			out.writeLong(blob.byteSize());
			for (long offset = 0; offset < blob.byteSize(); offset += CHUNK) {
				int n = (int) Math.min(CHUNK, blob.byteSize() - offset);
				MemorySegment.copy(blob, ValueLayout.JAVA_BYTE, offset, chunk, 0, n);
				out.write(chunk, 0, n);
			}
		}
		out.flush();
	}

	/**
	 * The next message, its blobs allocated in {@code arena}.
	 *
	 * @throws java.io.EOFException when the other side closed the stream (before or inside a message)
	 */
	static Message read(DataInputStream in, Arena arena) throws IOException {
		int headerBytes = in.readInt();
		if (headerBytes < 0 || headerBytes > MAX_HEADER_BYTES) {
			throw new IOException("not a Forge worker message (header of " + headerBytes + " bytes)");
		}
		byte[] h = in.readNBytes(headerBytes);
		if (h.length < headerBytes) {
			throw new java.io.EOFException("stream ended inside a message header");
		}
		JsonObject header = JsonParser.parseString(new String(h, StandardCharsets.UTF_8)).getAsJsonObject();
		int count = in.readInt();
		if (count < 0) {
			throw new IOException("not a Forge worker message (" + count + " blobs)");
		}
		List<MemorySegment> blobs = new ArrayList<>(count);
		byte[] chunk = new byte[CHUNK];
		for (int b = 0; b < count; b++) {
			long size = in.readLong();
			if (size < 0) {
				throw new IOException("not a Forge worker message (blob of " + size + " bytes)");
			}
			MemorySegment blob = arena.allocate(Math.max(1, size), 64).asSlice(0, size);
			for (long offset = 0; offset < size; offset += CHUNK) {
				int n = (int) Math.min(CHUNK, size - offset);
				in.readFully(chunk, 0, n);
				MemorySegment.copy(chunk, 0, blob, ValueLayout.JAVA_BYTE, offset, n);
			}
			blobs.add(blob);
		}
		return new Message(header, blobs);
	}

	/** A request: {@code {"op": op}} plus {@code "job"} when given. */
	static JsonObject request(String op, GpuJob job) {
		JsonObject o = new JsonObject();
		o.addProperty("op", op);
		if (job != null) {
			o.add("job", GSON.toJsonTree(job));
		}
		return o;
	}

	/** A successful answer carrying {@code result} (any record, or null). */
	static JsonObject success(Object result) {
		JsonObject o = new JsonObject();
		o.addProperty("ok", true);
		if (result != null) {
			o.add("result", GSON.toJsonTree(result));
		}
		return o;
	}

	static JsonObject failure(WorkerFailure failure) {
		JsonObject o = new JsonObject();
		o.addProperty("ok", false);
		o.add("failure", GSON.toJsonTree(failure));
		return o;
	}
}
