package dev.forge.compiler.interp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import dev.forge.compiler.graph.GraphFunction;
import dev.forge.compiler.graph.Op;
import dev.forge.compiler.graph.OpKinds.BinaryKind;
import dev.forge.compiler.graph.OpKinds.UnaryKind;
import dev.forge.compiler.graph.ShapeRules;
import dev.forge.compiler.graph.Value;
import dev.forge.types.DType;
import dev.forge.types.Dim;
import dev.forge.types.Type;

/**
 * The reference interpreter: runs a {@link GraphFunction} on {@link NdArray}s, in f64, for given
 * values of its dims. It is the correctness oracle for every backend, so it is written for
 * clarity, not speed (inputs of a few thousand elements).
 *
 * <p>Semantics: every float dtype computes in f64 without rounding to its width (a cast between
 * float dtypes is the identity); a value of an integer dtype is truncated toward zero after every
 * op that produces it, a bool is 1 or 0. Broadcasting is NumPy's. {@code gelu} is exact (with the
 * error function, accurate to about 1e-13), {@code gelu_tanh} the tanh approximation. {@code rsqrt}
 * is 1/sqrt(x). Reductions: sum, mean (sum / count), max and min (identity -inf and +inf for an empty
 * axis). Every op's result shape is checked against its type with the dims bound.
 */
public final class Interpreter {

	private Interpreter() {
	}

	/**
	 * Runs {@code f}. {@code dims} binds every dim symbol of the function (and int parameters of the
	 * source such as {@code heads}); {@code inputs} gives each parameter by name; an f64 parameter with
	 * a default may be left out.
	 */
	public static List<NdArray> run(GraphFunction f, Map<String, Long> dims, Map<String, NdArray> inputs) {
		Map<Integer, NdArray> env = new HashMap<>();
		for (GraphFunction.Param p : f.params()) {
			NdArray in = inputs.get(p.name());
			if (in == null && p.defaultValue() != null) {
				in = NdArray.scalar(p.defaultValue());
			}
			if (in == null) {
				throw new InterpreterException("no input for parameter '" + p.name() + "'");
			}
			long[] want = shape(p.value().type(), dims);
			if (!Arrays.equals(want, in.shape())) {
				throw new InterpreterException("parameter '" + p.name() + "' must have shape " + Arrays.toString(want) + " (" + ShapeRules.show(p.value().type())
						+ "), got " + Arrays.toString(in.shape()));
			}
			env.put(p.value().id(), in);
		}
		for (Op op : f.body()) {
			NdArray out = eval(op, env, dims);
			long[] want = shape(op.result().type(), dims);
			if (!Arrays.equals(want, out.shape())) {
				throw new InterpreterException(op.result() + ": computed shape " + Arrays.toString(out.shape()) + ", but its type " + ShapeRules.show(op.result().type())
						+ " is " + Arrays.toString(want));
			}
			env.put(op.result().id(), normalize(out, op.result().type().dtype()));
		}
		List<NdArray> results = new ArrayList<>();
		for (Value v : f.results()) {
			results.add(env.get(v.id()));
		}
		return results;
	}

	/** The concrete shape of a type for the bound dims. */
	public static long[] shape(Type.Tensor t, Map<String, Long> dims) {
		long[] out = new long[t.dims().size()];
		for (int i = 0; i < out.length; i++) {
			out[i] = dim(t.dims().get(i), dims);
		}
		return out;
	}

	private static long dim(Dim d, Map<String, Long> dims) {
		OptionalLong v;
		try {
			v = d.evaluate(dims);
		} catch (ArithmeticException e) {
			throw new InterpreterException("dim " + d + ": " + e.getMessage());
		}
		if (v.isEmpty()) {
			throw new InterpreterException("dim " + d + " is not bound (bind " + d.symbols() + ")");
		}
		if (v.getAsLong() < 0) {
			throw new InterpreterException("dim " + d + " is negative: " + v.getAsLong());
		}
		return v.getAsLong();
	}

	private static NdArray normalize(NdArray x, DType dtype) {
		if (dtype.isFloat()) {
			return x;
		}
		double[] d = x.raw();
		for (int i = 0; i < d.length; i++) {
			d[i] = dtype == DType.BOOL ? (d[i] != 0 ? 1 : 0) : (double) (long) d[i];
		}
		return x;
	}

	private static NdArray eval(Op op, Map<Integer, NdArray> env, Map<String, Long> dims) {
		return switch (op) {
			case Op.Unary u -> map(env.get(u.x().id()), u.kind());
			case Op.Binary b -> binary(b.kind(), env.get(b.lhs().id()), env.get(b.rhs().id()));
			case Op.MatMul m -> matmul(env.get(m.lhs().id()), env.get(m.rhs().id()));
			case Op.Reduce r -> reduce(r, env.get(r.x().id()));
			case Op.Reshape r -> {
				NdArray x = env.get(r.x().id());
				long[] to = shape(r.result().type(), dims);
				if (NdArray.size(to) != x.size()) {
					throw new InterpreterException(op.result() + ": reshape of " + Arrays.toString(x.shape()) + " to " + Arrays.toString(to) + " changes the element count");
				}
				yield NdArray.wrap(to, x.data());
			}
			case Op.Transpose t -> transpose(env.get(t.x().id()), t.perm());
			case Op.BroadcastTo b -> NdArray.wrap(shape(b.result().type(), dims), broadcast(env.get(b.x().id()), shape(b.result().type(), dims)));
			case Op.Cast c -> NdArray.wrap(env.get(c.x().id()).shape(), env.get(c.x().id()).data());
			case Op.Constant c -> NdArray.scalar(c.value());
			case Op.DimValue d -> NdArray.scalar(dim(d.dim(), dims));
			case Op.Concat c -> concat(c.inputs().stream().map(v -> env.get(v.id())).toList(), c.axis());
			case Op.Slice s -> slice(env.get(s.x().id()), s, shape(s.result().type(), dims), dims);
			case Op.Select s -> select(env.get(s.cond().id()), env.get(s.a().id()), env.get(s.b().id()));
			case Op.Iota i -> iota(shape(i.result().type(), dims), i.axis());
		};
	}

	private static NdArray select(NdArray cond, NdArray a, NdArray b) {
		long[] out = broadcastShape(cond.shape(), broadcastShape(a.shape(), b.shape()));
		double[] c = broadcast(cond, out);
		double[] x = broadcast(a, out);
		double[] y = broadcast(b, out);
		for (int i = 0; i < x.length; i++) {
			x[i] = c[i] != 0 ? x[i] : y[i];
		}
		return NdArray.wrap(out, x);
	}

	private static NdArray iota(long[] shape, int axis) {
		double[] d = new double[NdArray.length(shape)];
		long[] strides = NdArray.strides(shape);
		for (int i = 0; i < d.length; i++) {
			d[i] = (i / strides[axis]) % shape[axis];
		}
		return NdArray.wrap(shape, d);
	}

	// ------------------------------------------------------------------ elementwise

	private static NdArray map(NdArray x, UnaryKind kind) {
		double[] d = x.data();
		for (int i = 0; i < d.length; i++) {
			d[i] = Elementwise.unary(kind, d[i]);
		}
		return NdArray.wrap(x.shape(), d);
	}

	private static NdArray binary(BinaryKind kind, NdArray a, NdArray b) {
		long[] out = broadcastShape(a.shape(), b.shape());
		double[] x = broadcast(a, out);
		double[] y = broadcast(b, out);
		for (int i = 0; i < x.length; i++) {
			x[i] = Elementwise.binary(kind, x[i], y[i]);
		}
		return NdArray.wrap(out, x);
	}

	static long[] broadcastShape(long[] a, long[] b) {
		int rank = Math.max(a.length, b.length);
		long[] out = new long[rank];
		for (int i = 0; i < rank; i++) {
			int ia = a.length - rank + i;
			int ib = b.length - rank + i;
			long x = ia >= 0 ? a[ia] : 1;
			long y = ib >= 0 ? b[ib] : 1;
			if (x != y && x != 1 && y != 1) {
				throw new InterpreterException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
			}
			out[i] = x == 1 ? y : x;
		}
		return out;
	}

	/** The elements of x broadcast (NumPy) to the shape {@code out}, row-major. */
	static double[] broadcast(NdArray x, long[] out) {
		long[] in = x.shape();
		int rank = out.length;
		if (in.length > rank) {
			throw new InterpreterException("cannot broadcast " + Arrays.toString(in) + " to " + Arrays.toString(out));
		}
		long[] inStrides = NdArray.strides(in);
		long[] strides = new long[rank];
		for (int i = 0; i < rank; i++) {
			int j = i - (rank - in.length);
			if (j < 0) {
				continue;
			}
			if (in[j] == out[i]) {
				strides[i] = inStrides[j];
			} else if (in[j] != 1) {
				throw new InterpreterException("cannot broadcast " + Arrays.toString(in) + " to " + Arrays.toString(out));
			}
		}
		double[] dst = gather(x.raw(), out, strides, NdArray.length(out));
		return dst;
	}

	// ------------------------------------------------------------------ matmul, reductions, layout

	private static NdArray matmul(NdArray a, NdArray b) {
		long[] sa = a.shape();
		long[] sb = b.shape();
		int ra = sa.length;
		int rb = sb.length;
		long m = sa[ra - 2];
		long k = sa[ra - 1];
		long n = sb[rb - 1];
		if (sb[rb - 2] != k) {
			throw new InterpreterException("matmul inner dims differ: " + Arrays.toString(sa) + " @ " + Arrays.toString(sb));
		}
		long[] batch = broadcastShape(Arrays.copyOf(sa, ra - 2), Arrays.copyOf(sb, rb - 2));
		long[] fullA = concat(batch, m, k);
		long[] fullB = concat(batch, k, n);
		// An operand with one batch (a weight [K, N]) is read in place for every batch, not copied to
		// the batch shape: that copy can be far larger than the operands and the result together.
		boolean oneA = NdArray.size(Arrays.copyOf(sa, ra - 2)) == 1;
		boolean oneB = NdArray.size(Arrays.copyOf(sb, rb - 2)) == 1;
		double[] x = oneA ? a.raw() : broadcast(a, fullA);
		double[] y = oneB ? b.raw() : broadcast(b, fullB);
		long batches = NdArray.size(batch);
		double[] out = new double[NdArray.length(concat(batch, m, n))];
		for (long p = 0; p < batches; p++) {
			long pa = oneA ? 0 : p;
			long pb = oneB ? 0 : p;
			for (long i = 0; i < m; i++) {
				for (long j = 0; j < n; j++) {
					double acc = 0;
					for (long q = 0; q < k; q++) {
						acc += x[(int) (pa * m * k + i * k + q)] * y[(int) (pb * k * n + q * n + j)];
					}
					out[(int) (p * m * n + i * n + j)] = acc;
				}
			}
		}
		return NdArray.wrap(concat(batch, m, n), out);
	}

	private static long[] concat(long[] prefix, long a, long b) {
		long[] out = Arrays.copyOf(prefix, prefix.length + 2);
		out[prefix.length] = a;
		out[prefix.length + 1] = b;
		return out;
	}

	private static NdArray reduce(Op.Reduce r, NdArray x) {
		long[] in = x.shape();
		boolean[] reduced = new boolean[in.length];
		r.axes().forEach(a -> reduced[a] = true);
		List<Long> outDims = new ArrayList<>();
		long count = 1;
		for (int i = 0; i < in.length; i++) {
			if (!reduced[i]) {
				outDims.add(in[i]);
			} else {
				count *= in[i];
				if (r.keepDims()) {
					outDims.add(1L);
				}
			}
		}
		long[] out = outDims.stream().mapToLong(Long::longValue).toArray();
		double init = switch (r.kind()) {
			case SUM, MEAN -> 0.0;
			case MAX -> Double.NEGATIVE_INFINITY;
			case MIN -> Double.POSITIVE_INFINITY;
		};
		double[] acc = new double[NdArray.length(out)];
		Arrays.fill(acc, init);
		// Strides of the kept axes within the output (keepdims or not, the flat position is the same).
		long[] keptStrides = new long[in.length];
		long s = 1;
		for (int i = in.length - 1; i >= 0; i--) {
			if (!reduced[i]) {
				keptStrides[i] = s;
				s *= in[i];
			}
		}
		double[] src = x.raw();
		long[] idx = new long[in.length];
		long offset = 0;
		for (int n = 0; n < src.length; n++) {
			int o = (int) offset;
			acc[o] = switch (r.kind()) {
				case SUM, MEAN -> acc[o] + src[n];
				case MAX -> Math.max(acc[o], src[n]);
				case MIN -> Math.min(acc[o], src[n]);
			};
			for (int i = in.length - 1; i >= 0; i--) {
				idx[i]++;
				offset += keptStrides[i];
				if (idx[i] < in[i]) {
					break;
				}
				offset -= keptStrides[i] * idx[i];
				idx[i] = 0;
			}
		}
		if (r.kind() == dev.forge.compiler.graph.OpKinds.ReduceKind.MEAN) {
			for (int i = 0; i < acc.length; i++) {
				acc[i] = count == 0 ? Double.NaN : acc[i] / count;
			}
		}
		return NdArray.wrap(out, acc);
	}

	private static NdArray transpose(NdArray x, List<Integer> perm) {
		long[] in = x.shape();
		long[] inStrides = NdArray.strides(in);
		int rank = in.length;
		long[] out = new long[rank];
		long[] strides = new long[rank];
		for (int i = 0; i < rank; i++) {
			out[i] = in[perm.get(i)];
			strides[i] = inStrides[perm.get(i)];
		}
		double[] dst = gather(x.raw(), out, strides, x.raw().length);
		return NdArray.wrap(out, dst);
	}

	private static NdArray slice(NdArray x, Op.Slice s, long[] out, Map<String, Long> dims) {
		long[] in = x.shape();
		long[] inStrides = NdArray.strides(in);
		long base = 0;
		long[] strides = new long[out.length];
		int k = 0;
		for (int a = 0; a < in.length; a++) {
			long start = dim(s.starts().get(a), dims);
			long length = s.kept().get(a) ? out[k] : 1;
			if (start < 0 || start + length > in[a]) {
				throw new InterpreterException("line " + s.range().line() + ": the index " + start + (s.kept().get(a) ? ":" + (start + length) : "")
						+ " is outside an axis of " + in[a]);
			}
			base += start * inStrides[a];
			if (s.kept().get(a)) {
				strides[k++] = inStrides[a];
			}
		}
		double[] dst = new double[NdArray.length(out)];
		long[] idx = new long[out.length];
		for (int i = 0; i < dst.length; i++) {
			long offset = base;
			for (int d = 0; d < out.length; d++) {
				offset += idx[d] * strides[d];
			}
			dst[i] = x.raw()[(int) offset];
			for (int d = out.length - 1; d >= 0 && ++idx[d] == out[d]; d--) {
				idx[d] = 0;
			}
		}
		return NdArray.wrap(out, dst);
	}

	private static NdArray concat(List<NdArray> inputs, int axis) {
		long[] out = inputs.get(0).shape();
		long total = 0;
		for (NdArray a : inputs) {
			long[] s = a.shape();
			for (int i = 0; i < out.length; i++) {
				if (i != axis && s[i] != out[i]) {
					throw new InterpreterException("concat: shapes " + Arrays.toString(out) + " and " + Arrays.toString(s) + " differ at axis " + i);
				}
			}
			total += s[axis];
		}
		out[axis] = total;
		long outer = 1;
		for (int i = 0; i < axis; i++) {
			outer *= out[i];
		}
		long inner = 1;
		for (int i = axis + 1; i < out.length; i++) {
			inner *= out[i];
		}
		double[] dst = new double[NdArray.length(out)];
		int pos = 0;
		for (long o = 0; o < outer; o++) {
			for (NdArray a : inputs) {
				int chunk = (int) (a.shape()[axis] * inner);
				System.arraycopy(a.raw(), (int) (o * chunk), dst, pos, chunk);
				pos += chunk;
			}
		}
		return NdArray.wrap(out, dst);
	}

	/**
	 * Reads {@code count} elements of {@code src} in row-major order of {@code shape}, stepping by
	 * {@code strides} (0 for a broadcast axis, permuted strides for a transpose).
	 */
	private static double[] gather(double[] src, long[] shape, long[] strides, int count) {
		int rank = shape.length;
		double[] dst = new double[count];
		long[] idx = new long[rank];
		long offset = 0;
		for (int n = 0; n < count; n++) {
			dst[n] = src[(int) offset];
			for (int i = rank - 1; i >= 0; i--) {
				idx[i]++;
				offset += strides[i];
				if (idx[i] < shape[i]) {
					break;
				}
				offset -= strides[i] * idx[i];
				idx[i] = 0;
			}
		}
		return dst;
	}
}
