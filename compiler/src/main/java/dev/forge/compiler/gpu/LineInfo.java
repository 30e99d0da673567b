package dev.forge.compiler.gpu;

import static org.bytedeco.llvm.global.LLVM.*;

import dev.forge.compiler.graph.SourceRange;
import dev.forge.compiler.host.IrBuilder;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.llvm.LLVM.LLVMDIBuilderRef;
import org.bytedeco.llvm.LLVM.LLVMMetadataRef;
import org.bytedeco.llvm.LLVM.LLVMValueRef;

/**
 * Line information for the PTX: a compile unit of the {@code .forge} source that emits only
 * {@code .loc}/{@code .file} directives (LLVM's DebugDirectivesOnly), so that the CUDA driver's
 * JIT (with its line-info option), compute-sanitizer and ncu report faults and hazards at Forge
 * source lines.
 */
final class LineInfo implements AutoCloseable {

	/** LLVM's {@code DICompileUnit::DebugDirectivesOnly}, absent from the C API's enum. */
	private static final int DEBUG_DIRECTIVES_ONLY = 3;

	private final IrBuilder ir;
	private final LLVMDIBuilderRef builder;
	private final LLVMMetadataRef file;
	private LLVMMetadataRef scope;

	LineInfo(IrBuilder ir, String sourcePath) {
		this.ir = ir;
		this.builder = LLVMCreateDIBuilder(ir.module());
		Path p = Path.of(sourcePath).toAbsolutePath();
		String name = p.getFileName().toString();
		String dir = p.getParent() == null ? "" : p.getParent().toString();
		file = LLVMDIBuilderCreateFile(builder, name, name.length(), dir, dir.length());
		LLVMDIBuilderCreateCompileUnit(builder, LLVMDWARFSourceLanguageC, file, "forge", 5, 1, "", 0, 0, "", 0,
				DEBUG_DIRECTIVES_ONLY, 0, 0, 0, "", 0, "", 0);
		String key = "Debug Info Version";
		LLVMAddModuleFlag(ir.module(), LLVMModuleFlagBehaviorWarning, key, key.length(), LLVMValueAsMetadata(ir.i32(3)));
	}

	/** Attaches a subprogram to kernel fn starting at {@code range}; later {@link #at} locations belong to it. */
	void function(LLVMValueRef fn, String name, SourceRange range) {
		LLVMMetadataRef type = LLVMDIBuilderCreateSubroutineType(builder, file, new PointerPointer<LLVMMetadataRef>(0), 0, 0);
		int line = range == null ? 0 : range.line();
		scope = LLVMDIBuilderCreateFunction(builder, file, name, name.length(), name, name.length(), file, line, type, 0, 1, line,
				LLVMDIFlagZero, 1);
		LLVMSetSubprogram(fn, scope);
		at(range);
	}

	/** Instructions emitted from now on carry {@code range}'s line and column. */
	void at(SourceRange range) {
		if (scope == null || range == null || range.line() <= 0) {
			return;
		}
		LLVMMetadataRef loc = LLVMDIBuilderCreateDebugLocation(ir.context(), range.line(), Math.max(0, range.column()), scope, null);
		LLVMSetCurrentDebugLocation2(ir.raw(), loc);
	}

	@Override
	public void close() {
		LLVMDIBuilderFinalize(builder);
		LLVMDisposeDIBuilder(builder);
	}
}
