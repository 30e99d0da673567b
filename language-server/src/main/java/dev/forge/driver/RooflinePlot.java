package dev.forge.driver;

import java.util.List;
import java.util.Locale;

/**
 * A roofline as SVG: the chip's compute ceiling (FLOP/s) and bandwidth ceiling (bytes/s) on log-log axes of
 * arithmetic intensity (FLOP/byte) and attainable rate, and each measured point at its intensity and achieved rate,
 * labelled with its name and its % of the roof above it. Self-contained (no fonts, scripts or links), so that an
 * editor's webview or a browser shows it as it is.
 */
public final class RooflinePlot {

	/** One measured kernel or function: FLOP per byte of DRAM traffic and achieved FLOP/s. */
	public record Point(String name, double intensity, double flopsPerSecond) {
	}

	private static final int WIDTH = 720;
	private static final int HEIGHT = 460;
	private static final int LEFT = 80;
	private static final int RIGHT = 30;
	private static final int TOP = 50;
	private static final int BOTTOM = 60;

	private RooflinePlot() {
	}

	/** The plot; {@code peakFlops} and {@code peakBytes} are per second; points without a positive intensity and rate are left out. */
	public static String svg(String title, String chip, double peakFlops, double peakBytes, List<Point> points) {
		List<Point> shown = points.stream().filter(p -> p.intensity() > 0 && p.flopsPerSecond() > 0).toList();
		double ridge = peakFlops / peakBytes;
		// Axes span the ridge point and every point, in whole decades, with a decade of room.
		double xMin = decadeBelow(Math.min(ridge / 100, shown.stream().mapToDouble(Point::intensity).min().orElse(ridge) / 2));
		double xMax = decadeAbove(Math.max(ridge * 100, shown.stream().mapToDouble(Point::intensity).max().orElse(ridge) * 2));
		double yMax = decadeAbove(peakFlops * 2);
		double yMin = decadeBelow(Math.min(peakBytes * xMin, shown.stream().mapToDouble(Point::flopsPerSecond).min().orElse(peakFlops) / 2));
		Axes axes = new Axes(xMin, xMax, yMin, yMax);

		StringBuilder s = new StringBuilder();
		s.append(String.format(Locale.ROOT,
				"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
				WIDTH, HEIGHT, WIDTH, HEIGHT));
		s.append(String.format("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
		s.append(text(WIDTH / 2.0, 24, "middle", "bold", escape(title + " — roofline of " + chip)));
		gridAndTicks(s, axes);
		// The roof: bandwidth-bound up to the ridge point, compute-bound after it.
		s.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2.5\" points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\"/>%n",
				axes.x(xMin), axes.y(peakBytes * xMin), axes.x(ridge), axes.y(peakFlops), axes.x(xMax), axes.y(peakFlops)));
		s.append(text(axes.x(xMax) - 4, axes.y(peakFlops) - 6, "end", "normal", "compute " + rate(peakFlops, "FLOP/s")));
		s.append(text(axes.x(xMin) + 6, axes.y(peakBytes * xMin) - 8, "start", "normal", "DRAM " + rate(peakBytes, "B/s")));
		for (Point p : shown) {
			double roof = Math.min(peakFlops, peakBytes * p.intensity());
			double x = axes.x(p.intensity());
			double y = axes.y(p.flopsPerSecond());
			s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"#2c7fb8\"/>%n", x, y));
			s.append(text(x + 8, y - 6, "start", "normal", escape(p.name()) + String.format(Locale.ROOT, " (%s, %.1f%% of roof)",
					rate(p.flopsPerSecond(), "FLOP/s"), 100 * p.flopsPerSecond() / roof)));
		}
		if (shown.isEmpty()) {
			s.append(text(WIDTH / 2.0, HEIGHT / 2.0, "middle", "normal", "no point: the run did no floating-point work"));
		}
		s.append(text(LEFT + (WIDTH - LEFT - RIGHT) / 2.0, HEIGHT - 16, "middle", "normal", "arithmetic intensity (FLOP/byte)"));
		s.append(String.format(Locale.ROOT, "<text x=\"18\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 18 %.1f)\">attainable rate (FLOP/s)</text>%n",
				TOP + (HEIGHT - TOP - BOTTOM) / 2.0, TOP + (HEIGHT - TOP - BOTTOM) / 2.0));
		return s.append("</svg>\n").toString();
	}

	/** Log-scaled plot coordinates. */
	private record Axes(double xMin, double xMax, double yMin, double yMax) {
		double x(double v) {
			return LEFT + (WIDTH - LEFT - RIGHT) * Math.log10(v / xMin) / Math.log10(xMax / xMin);
		}

		double y(double v) {
			return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * Math.log10(v / yMin) / Math.log10(yMax / yMin);
		}
	}

	private static void gridAndTicks(StringBuilder s, Axes a) {
		for (double v = a.xMin(); v <= a.xMax() * 1.0001; v *= 10) {
			s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n", a.x(v), TOP, a.x(v), HEIGHT - BOTTOM));
			s.append(text(a.x(v), HEIGHT - BOTTOM + 16, "middle", "normal", number(v)));
		}
		for (double v = a.yMin(); v <= a.yMax() * 1.0001; v *= 10) {
			s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", LEFT, a.y(v), WIDTH - RIGHT, a.y(v)));
			s.append(text(LEFT - 6, a.y(v) + 4, "end", "normal", rate(v, "")));
		}
		s.append(String.format("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n", LEFT, TOP, WIDTH - LEFT - RIGHT,
				HEIGHT - TOP - BOTTOM));
	}

	private static String text(double x, double y, String anchor, String weight, String body) {
		return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-weight=\"%s\">%s</text>%n", x, y, anchor, weight, body);
	}

	/** 1e12 FLOP/s as "1 T" + unit: the SI prefix of the value's thousands. */
	static String rate(double v, String unit) {
		String[] prefixes = { "", "k", "M", "G", "T", "P", "E" };
		int i = 0;
		while (i < prefixes.length - 1 && Math.abs(v) >= 1000) {
			v /= 1000;
			i++;
		}
		String n = v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3g", v);
		return (n + " " + prefixes[i] + unit).strip();
	}

	private static String number(double v) {
		return v >= 1 && v < 1e4 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.0e", v).replace("e-0", "e-").replace("e+0", "e");
	}

	private static double decadeBelow(double v) {
		return Math.pow(10, Math.floor(Math.log10(v)));
	}

	private static double decadeAbove(double v) {
		return Math.pow(10, Math.ceil(Math.log10(v)));
	}

	private static String escape(String s) {
		return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
	}
}
