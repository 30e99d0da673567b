package dev.forge.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code --target gpu}: the chip description of the attached GPU, from the name and compute capability its driver reports. */
class GpuTargetsTest {

	@ParameterizedTest(name = "{0} -> {2}")
	@CsvSource(delimiter = '|', textBlock = """
			NVIDIA H100 80GB HBM3   | 90 | h100
			NVIDIA H100 PCIe        | 90 | h100
			NVIDIA H100 NVL         | 90 | h100
			NVIDIA H200             | 90 | h200
			NVIDIA H200 NVL         | 90 | h200
			NVIDIA GH200 480GB      | 90 | -
			NVIDIA A100-SXM4-80GB   | 80 | -
			""")
	void theAttachedGpusChipComesFromItsName(String name, int capability, String expected) {
		GpuBackend.Device device = new GpuBackend.Device(name.strip(), capability);
		if (expected.equals("-")) {
			// GH200 is not "H200", and sm_90 fits two descriptions: the user names one.
			UsageException e = assertThrows(UsageException.class, () -> GpuTargets.forDevice(device));
			assertTrue(e.getMessage().startsWith("the attached GPU '" + name.strip() + "' (compute capability " + capability / 10 + "."
					+ capability % 10 + ") has no chip description; name one with --target h100|h200"), e.getMessage());
		} else {
			assertEquals(expected, GpuTargets.forDevice(device).name());
		}
	}

	@Test
	void onlyGpuDescriptionsAreGpuTargets() {
		assertTrue(GpuTargets.isGpu("gpu") && GpuTargets.isGpu("h100") && GpuTargets.isGpu("h200"));
		assertTrue(!GpuTargets.isGpu("host") && !GpuTargets.isGpu("h10"));
		assertEquals("--target host is not a GPU; GPU targets: h100, h200",
				assertThrows(UsageException.class, () -> GpuTargets.named("host")).getMessage());
	}
}
