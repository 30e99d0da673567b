package dev.forge.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

class RooflinePlotTest {

	private static final double PEAK = 1e12; // FLOP/s
	private static final double BANDWIDTH = 1e11; // bytes/s: the ridge at 10 FLOP/byte

	@Test
	void eachPointIsLabelledWithItsNameRateAndShareOfTheRoofAboveIt() {
		String svg = RooflinePlot.svg("softmax", "h100 bf16", PEAK, BANDWIDTH,
				List.of(new RooflinePlot.Point("memory_bound", 1, 5e10), new RooflinePlot.Point("compute_bound", 100, 5e11)));
		// Below the ridge the roof is bandwidth * intensity (1e11 at 1 FLOP/byte), above it the peak.
		assertTrue(svg.contains("memory_bound (50.0 GFLOP/s, 50.0% of roof)"), svg);
		assertTrue(svg.contains("compute_bound (500 GFLOP/s, 50.0% of roof)"), svg);
		assertTrue(svg.contains("compute 1.00 TFLOP/s") && svg.contains("DRAM 100 GB/s"), svg);
		assertEquals(2, count(svg, "<circle"));
	}

	@Test
	void theRoofBendsAtTheRidgePoint() {
		String svg = RooflinePlot.svg("f", "host f32", PEAK, BANDWIDTH, List.of(new RooflinePlot.Point("f", 10, 1e12)));
		Matcher roof = Pattern.compile("<polyline[^>]*points=\"([^\"]*)\"").matcher(svg);
		assertTrue(roof.find(), svg);
		String[] corners = roof.group(1).split(" ");
		assertEquals(3, corners.length);
		Matcher point = Pattern.compile("<circle cx=\"([0-9.]+)\" cy=\"([0-9.]+)\"").matcher(svg);
		assertTrue(point.find());
		// A point at the ridge intensity and the peak rate sits on the roof's corner.
		assertEquals(corners[1], point.group(1) + "," + point.group(2));
	}

	@Test
	void pointsWithoutWorkAreLeftOutAndSaidSo() {
		String svg = RooflinePlot.svg("copy", "host f32", PEAK, BANDWIDTH, List.of(new RooflinePlot.Point("copy", 0, 0)));
		assertFalse(svg.contains("<circle"), svg);
		assertTrue(svg.contains("no point: the run did no floating-point work"), svg);
	}

	@Test
	void namesAreEscaped() {
		String svg = RooflinePlot.svg("a<b", "host f32", PEAK, BANDWIDTH, List.of(new RooflinePlot.Point("x&y", 1, 1e9)));
		assertTrue(svg.contains("a&lt;b") && svg.contains("x&amp;y") && !svg.contains("x&y"), svg);
	}

	private static int count(String s, String part) {
		return s.split(Pattern.quote(part), -1).length - 1;
	}
}
