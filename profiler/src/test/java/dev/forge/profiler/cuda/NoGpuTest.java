package dev.forge.profiler.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** On a machine without the NVIDIA driver (CI), GPU work fails with one clear line, in this process and through the worker. */
class NoGpuTest {

	@BeforeAll
	static void onlyWithoutADriver() {
		boolean driver;
		try {
			SymbolLookup.libraryLookup("libcuda.so.1", Arena.ofAuto());
			driver = true;
		} catch (IllegalArgumentException e) {
			driver = false;
		}
		Assumptions.assumeFalse(driver, "this machine has libcuda.so.1");
	}

	@Test
	void theDriverSaysThereIsNone() {
		GpuUnavailableException e = assertThrows(GpuUnavailableException.class, CudaDriver::load);
		assertEquals("no NVIDIA GPU driver (libcuda.so.1) on this machine", e.getMessage());
		assertThrows(GpuUnavailableException.class, CudaDriver::load, "and keeps saying so");
	}

	@Test
	void theWorkerSaysThereIsNone() {
		try (GpuWorkerClient client = new GpuWorkerClient(GpuWorkerClient.defaultCommand())) {
			GpuUnavailableException e = assertThrows(GpuUnavailableException.class, client::device);
			assertEquals("no NVIDIA GPU driver (libcuda.so.1) on this machine", e.getMessage());
		}
	}
}
