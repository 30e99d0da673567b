package dev.forge.compiler.lint;

import java.util.ArrayList;
import java.util.List;

import dev.forge.compiler.gpu.RegisterElements;
import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.Layout;
import dev.forge.compiler.tile.LayoutAssignment;
import dev.forge.compiler.tile.Stmt;
import dev.forge.compiler.tile.TileValue;
import dev.forge.targets.Target;

/**
 * FORGE-L-BANK: every copy between registers and shared memory and every async copy of a kernel, the
 * worst warp-level request's wavefronts against the ideal ({@link SharedAccesses}, {@link BankModel}).
 * A request above its ideal is a warning naming the buffer; the fixes offered are those that remove
 * the conflict when the access is recomputed with the changed layout: the schedule's
 * {@code swizzle("xor")} (which changes every shared tile of the kernel, so it is offered only when no
 * other access gets worse), or padding the rows (advice: the language has no padded buffers yet).
 */
final class BankConflicts {

	private BankConflicts() {
	}

	static List<LintDiagnostic> check(Kernel k, Target target, Lints.BufferNames names) {
		List<LintDiagnostic> out = new ArrayList<>();
		for (Stmt s : Stmt.flatten(k.body())) {
			TileValue shared = SharedAccesses.bankAccessOf(s);
			if (shared == null) {
				continue;
			}
			SharedAccesses.Summary now = SharedAccesses.measure(k, s, target, SharedAccesses.layoutOf(k, shared), 0);
			BankModel.Cost worst = now.worst();
			if (worst.wavefronts() <= worst.ideal()) {
				continue;
			}
			String name = Lints.bufferName(k, shared, names);
			StringBuilder message = new StringBuilder();
			message.append(worst.ways()).append("-way bank conflict on ").append(name).append(": ").append(worst.wavefronts())
					.append(" wavefronts where ").append(worst.ideal()).append(" would do (").append(now.instruction())
					.append(now.load() ? ", read" : ", write").append(")");
			List<LintDiagnostic.Fix> fixes = new ArrayList<>();
			List<String> advice = new ArrayList<>();
			if (swizzleFixes(k, s, target)) {
				fixes.add(new LintDiagnostic.Fix("Set swizzle(\"xor\") in the schedule", LintDiagnostic.Fix.Kind.SCHEDULE, s.range(),
						"swizzle(\"xor\")"));
				advice.add("the schedule's swizzle(\"xor\") removes it");
			}
			int vector = vectorFixes(k, s, target, shared);
			if (vector > 0) {
				fixes.add(new LintDiagnostic.Fix("Set vector(" + vector + ") in the schedule", LintDiagnostic.Fix.Kind.SCHEDULE, s.range(),
						"vector(" + vector + ")"));
				advice.add("the schedule's vector(" + vector + ") removes it (each thread's run along a row is split into "
						+ "16-byte accesses that leave gaps between the lanes of a phase)");
			}
			int pad = padding(k, s, target, shared);
			if (pad > 0) {
				int row = shared.type().shape().get(SharedAccesses.layoutOf(k, shared).order().get(0));
				advice.add("rows of " + (row + pad) + " elements (padding " + pad + ") would remove it");
			}
			if (!advice.isEmpty()) {
				message.append("; ").append(String.join(", or ", advice));
			}
			out.add(new LintDiagnostic(LintDiagnostic.BANK, LintDiagnostic.Severity.WARNING, message.toString(), s.range(), List.of(), fixes));
		}
		return out;
	}

	/** Whether swizzling every shared tile as the schedule's swizzle("xor") would makes {@code s} conflict-free and nothing worse. */
	private static boolean swizzleFixes(Kernel k, Stmt s, Target target) {
		if ("xor".equals(k.threads().swizzle())) {
			return false;
		}
		int bankRow = target.sharedMemoryBanks() * target.sharedMemoryBankWidth();
		for (Stmt t : Stmt.flatten(k.body())) {
			TileValue shared = SharedAccesses.bankAccessOf(t);
			if (shared == null) {
				continue;
			}
			Layout.Swizzled xor = (Layout.Swizzled) LayoutAssignment.layout(shared.type(), k.threads().warps(), k.threads().lanes(),
					k.threads().vector(), "xor", bankRow);
			SharedAccesses.Summary before = SharedAccesses.measure(k, t, target, SharedAccesses.layoutOf(k, shared), 0);
			SharedAccesses.Summary after = SharedAccesses.measure(k, t, target, xor, 0);
			if (t == s ? after.worst().wavefronts() > after.worst().ideal() : after.worst().ways() > before.worst().ways()) {
				return false;
			}
		}
		return true;
	}

	/**
	 * The schedule's vector (elements per thread along a row) that makes every copy of the kernel
	 * conflict-free when the register tiles are laid out with it, if smaller than the current one: a
	 * thread's run longer than 16 bytes is moved in 16-byte pieces that leave gaps between the lanes
	 * of a phase. 0 when no smaller vector fixes it.
	 */
	private static int vectorFixes(Kernel k, Stmt s, Target target, TileValue shared) {
		if (!(s instanceof Stmt.Copy c)) {
			return 0;
		}
		int bytes = RegisterElements.storageBytes(shared.type().dtype());
		int vector = Math.max(1, 16 / bytes);
		if (vector >= k.threads().vector()) {
			return 0;
		}
		int bankRow = target.sharedMemoryBanks() * target.sharedMemoryBankWidth();
		for (Stmt t : Stmt.flatten(k.body())) {
			TileValue other = SharedAccesses.bankAccessOf(t);
			if (other == null || !(t instanceof Stmt.Copy tc)) {
				continue;
			}
			TileValue reg = tc.result() == other ? tc.x() : tc.result();
			if (!(k.threads().of(reg) instanceof Layout.Blocked)) {
				if (t == s) {
					return 0;
				}
				continue;
			}
			Layout relaid = LayoutAssignment.layout(reg.type(), k.threads().warps(), k.threads().lanes(), vector, k.threads().swizzle(),
					bankRow);
			SharedAccesses.Summary before = SharedAccesses.measure(k, t, target, SharedAccesses.layoutOf(k, other), 0);
			SharedAccesses.Summary after = SharedAccesses.measure(k, t, target, SharedAccesses.layoutOf(k, other), 0, relaid);
			if (t == s ? after.worst().wavefronts() > after.worst().ideal() : after.worst().ways() > before.worst().ways()) {
				return 0;
			}
		}
		return vector;
	}

	/** The smallest row padding (one bank word, or 16 bytes) that makes {@code s} and the other accesses of its tile conflict-free; 0 if none does. */
	private static int padding(Kernel k, Stmt s, Target target, TileValue shared) {
		if (shared.type().rank() < 2) {
			return 0;
		}
		int bytes = RegisterElements.storageBytes(shared.type().dtype());
		Layout.Swizzled plain = SharedAccesses.layoutOf(k, shared);
		plain = new Layout.Swizzled(1, 1, 1, plain.order());
		for (int padBytes : new int[] { target.sharedMemoryBankWidth(), 16 }) {
			int pad = Math.max(1, padBytes / bytes);
			boolean ok = true;
			for (Stmt t : Stmt.flatten(k.body())) {
				if (SharedAccesses.bankAccessOf(t) != shared) {
					continue;
				}
				SharedAccesses.Summary after = SharedAccesses.measure(k, t, target, plain, pad);
				// Padding that turns an ldmatrix into plain loads is no fix.
				SharedAccesses.Summary before = SharedAccesses.measure(k, t, target, SharedAccesses.layoutOf(k, shared), 0);
				if (after.worst().wavefronts() > after.worst().ideal() || !sameKind(before, after)) {
					ok = false;
					break;
				}
			}
			if (ok) {
				return pad;
			}
		}
		return 0;
	}

	private static boolean sameKind(SharedAccesses.Summary a, SharedAccesses.Summary b) {
		return a.instruction().startsWith("ldmatrix") == b.instruction().startsWith("ldmatrix");
	}

	/** One line per shared access of the kernel: the bank table a GPU run compares with ncu (docs/lints.md). */
	static List<String> table(Kernel k, Target target) {
		List<String> out = new ArrayList<>();
		for (Stmt s : Stmt.flatten(k.body())) {
			TileValue shared = SharedAccesses.bankAccessOf(s);
			if (shared == null) {
				continue;
			}
			SharedAccesses.Summary m = SharedAccesses.measure(k, s, target, SharedAccesses.layoutOf(k, shared), 0);
			out.add(String.format(java.util.Locale.ROOT, "%d:%d %s %s %s: %d requests, %.2f wavefronts/request (ideal %.2f), worst %d/%d",
					s.range().line(), s.range().column(), shared, m.load() ? "ld" : "st", m.instruction(), m.requests(), m.perRequest(),
					m.idealPerRequest(), m.worst().wavefronts(), m.worst().ideal()));
		}
		return out;
	}
}
