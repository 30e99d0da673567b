package dev.forge.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.lsp4j.jsonrpc.ResponseErrorException;
import org.eclipse.lsp4j.jsonrpc.messages.ResponseError;
import org.eclipse.lsp4j.jsonrpc.messages.ResponseErrorCode;
import org.eclipse.xtext.resource.XtextResource;

import com.google.gson.JsonObject;

import dev.forge.driver.Ir;
import dev.forge.forge.FunctionDef;

/**
 * A function's IR for the editor: graph, schedule and tile compiled in the server (cached per workspace
 * generation; hover and Show Tile IR use them too), llvm, ptx and asm printed by `forge build` in a child
 * process (cached by the file's time stamp). The request forge/ir and the command Show Tile IR.
 */
final class ForgeIr {

	private final ServerAccess server;
	private final ExecutorService children;

	private record IrKey(long generation, String uri, String function, Ir.Level level) {
	}

	/** Compiled IR texts (hovers, forge/ir and Show Tile IR ask for the same function again and again). */
	private final Map<IrKey, Ir.Lowered> irCache = new LinkedHashMap<>(32, 0.75f, true) {
		@Override
		protected boolean removeEldestEntry(Map.Entry<IrKey, Ir.Lowered> eldest) {
			return size() > 64;
		}
	};

	private record BuildKey(String file, long modified, long size, String level, String function, String target) {
	}

	/** Levels printed by `forge build` in a child process, by the file's time stamp. */
	private final Map<BuildKey, String> buildCache = new LinkedHashMap<>(16, 0.75f, true) {
		@Override
		protected boolean removeEldestEntry(Map.Entry<BuildKey, String> eldest) {
			return size() > 16;
		}
	};

	ForgeIr(ServerAccess server, ExecutorService children) {
		this.server = server;
		this.children = children;
	}

	/**
	 * A function's IR at an in-process level, compiled once per workspace generation; a function that
	 * does not compile (or trips the compiler) gives the reason, never an exception.
	 */
	Ir.Lowered lowered(XtextResource resource, FunctionDef def, Ir.Level level, long gen) {
		IrKey key = new IrKey(gen, resource.getURI().toString(), def.getName(), level);
		synchronized (irCache) {
			Ir.Lowered hit = irCache.get(key);
			if (hit != null) {
				return hit;
			}
		}
		Ir.Lowered lowered;
		try {
			lowered = Ir.of(resource, def, level);
		} catch (RuntimeException | StackOverflowError e) {
			System.err.println("forge lsp: compiling " + def.getName() + " failed: " + e);
			lowered = new Ir.Lowered(def.getName(), null, "the compiler failed on it (" + e + "); please report this");
		}
		synchronized (irCache) {
			irCache.put(key, lowered);
		}
		return lowered;
	}

	/** Show Tile IR: the tile level of a function, as a document for the client's forge-ir scheme. */
	CompletableFuture<Object> showTileIr(Invocation invocation) {
		long gen = server.generation();
		URI uri = server.uri(invocation.uri());
		return server.requestManager().<Object>runRead(cancel -> server.workspaceManager().doRead(uri, (document, resource) -> {
			FunctionDef def = topLevelFunction(resource, invocation.function());
			if (def == null) {
				throw new ResponseErrorException(new ResponseError(ResponseErrorCode.InvalidParams,
						"no function '" + invocation.function() + "' in " + uri.lastSegment(), null));
			}
			Ir.Lowered lowered = lowered((XtextResource) resource, def, Ir.Level.TILE, gen);
			JsonObject result = new JsonObject();
			result.addProperty("uri", irUri(invocation.uri(), invocation.function(), "tile"));
			result.addProperty("level", "tile");
			result.addProperty("function", invocation.function());
			result.addProperty("text", lowered.text() != null ? lowered.text()
					: "# " + invocation.function() + ": not compiled: " + lowered.notLowered() + "\n");
			return result;
		}));
	}

	/** The client's forge-ir document of a function's IR: forge-ir:/FILE/FUNCTION.LEVEL.forge-ir?{uri,function,level}. */
	static String irUri(String source, String function, String level) {
		String path = java.net.URI.create(source).getPath();
		String base = path == null ? source : path.substring(path.lastIndexOf('/') + 1);
		JsonObject query = new JsonObject();
		query.addProperty("uri", source);
		query.addProperty("function", function);
		query.addProperty("level", level);
		try {
			return new java.net.URI("forge-ir", null, "/" + base + "/" + function + "." + level + ".forge-ir", query.toString(), null).toASCIIString();
		} catch (java.net.URISyntaxException e) {
			throw new IllegalArgumentException(e);
		}
	}

	/** Levels that `forge build --emit LEVEL --fn NAME` prints in a child process (they need LLVM). */
	private static final List<String> BUILD_LEVELS = List.of("llvm", "ptx", "asm");

	/**
	 * The custom request `forge/ir` {uri, function, level}: the text of one IR level of a function. Graph,
	 * schedule and tile are compiled here; llvm, ptx and asm come from `forge build` in a child process.
	 */
	CompletableFuture<JsonObject> ir(JsonObject params) {
		String level = params.has("level") ? params.get("level").getAsString() : "tile";
		String function = params.has("function") ? params.get("function").getAsString() : "";
		String source = params.has("uri") ? params.get("uri").getAsString() : "";
		if (BUILD_LEVELS.contains(level)) {
			return irFromCommandLine(source, function, level);
		}
		long gen = server.generation();
		URI uri = server.uri(source);
		return server.requestManager().runRead(cancel -> server.workspaceManager().doRead(uri, (document, resource) -> {
			Ir.Level irLevel = Ir.Level.parse(level);
			if (irLevel == null) {
				throw new ResponseErrorException(new ResponseError(ResponseErrorCode.InvalidParams,
						"unknown level '" + level + "': the levels are graph, schedule, tile, llvm, ptx and asm", null));
			}
			FunctionDef def = topLevelFunction(resource, function);
			if (def == null) {
				throw new ResponseErrorException(new ResponseError(ResponseErrorCode.InvalidParams, "no function '" + function + "' in " + uri.lastSegment(), null));
			}
			Ir.Lowered lowered = lowered((XtextResource) resource, def, irLevel, gen);
			JsonObject result = new JsonObject();
			result.addProperty("level", irLevel.id());
			result.addProperty("text", lowered.text() != null ? lowered.text() : "# " + function + ": not compiled: " + lowered.notLowered() + "\n");
			return result;
		}));
	}

	/** `<launcher> build FILE --emit LEVEL --fn NAME`: its stdout, or an error response with what it said. */
	private CompletableFuture<JsonObject> irFromCommandLine(String source, String function, String level) {
		CompletableFuture<JsonObject> result = new CompletableFuture<>();
		Path launcher = LauncherProcess.launcher();
		if (launcher == null) {
			result.completeExceptionally(new ResponseErrorException(new ResponseError(ResponseErrorCode.RequestFailed,
					LauncherProcess.missing("The " + level + " level"), null)));
			return result;
		}
		Path file = ForgeRuns.fileOf(source);
		if (file == null) {
			result.completeExceptionally(new ResponseErrorException(new ResponseError(ResponseErrorCode.RequestFailed,
					"the " + level + " level comes from forge build, which reads the file from disk: save it first", null)));
			return result;
		}
		String buildTarget = server.target();
		List<String> args = new ArrayList<>(List.of("build", file.toString(), "--emit", level, "--fn", function));
		if (buildTarget != null && !buildTarget.equals("host")) {
			args.addAll(List.of("--target", buildTarget));
		}
		String comment = switch (level) {
			case "llvm" -> ";";
			case "ptx" -> "//";
			default -> "#";
		};
		LauncherProcess[] child = new LauncherProcess[1];
		result.whenComplete((r, e) -> {
			if (result.isCancelled()) {
				synchronized (child) {
					if (child[0] != null) {
						child[0].kill();
					}
				}
			}
		});
		server.bufferText(source).thenAcceptAsync(buffer -> {
			try {
				String saved = Files.readString(file);
				String note = buffer != null && !buffer.equals(saved) ? comment + " note: from the saved " + file.getFileName() + " (unsaved changes are not included)\n" : "";
				var attributes = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
				BuildKey key = new BuildKey(file.toString(), attributes.lastModifiedTime().toMillis(), attributes.size(), level, function, buildTarget);
				String cached;
				synchronized (buildCache) {
					cached = buildCache.get(key);
				}
				if (cached != null) {
					result.complete(irResult(level, note + cached));
					return;
				}
				synchronized (child) {
					if (result.isDone()) {
						return;
					}
					child[0] = LauncherProcess.start(launcher, args, file.getParent(), line -> {
					});
				}
				child[0].result().whenComplete((r, e) -> {
					if (e == null && r.exitCode() == 0 && !r.killed()) {
						synchronized (buildCache) {
							buildCache.put(key, r.stdout());
						}
						result.complete(irResult(level, note + r.stdout()));
					} else {
						String said = e != null ? e.toString() : r.killed() ? "cancelled" : RunSummary.message(r.stderr());
						result.completeExceptionally(new ResponseErrorException(new ResponseError(ResponseErrorCode.RequestFailed,
								"forge build --emit " + level + " --fn " + function + " failed"
										+ (e == null && !r.killed() ? " (exit code " + r.exitCode() + ")" : "") + (said.isEmpty() ? "" : ": " + said), null)));
					}
				});
			} catch (java.io.IOException | RuntimeException e) {
				result.completeExceptionally(new ResponseErrorException(new ResponseError(ResponseErrorCode.RequestFailed,
						"could not run forge build for the " + level + " level: " + e.getMessage(), null)));
			}
		}, children);
		return result;
	}

	private static JsonObject irResult(String level, String text) {
		JsonObject o = new JsonObject();
		o.addProperty("level", level);
		o.addProperty("text", text);
		return o;
	}

	/** The top-level function {@code name} of a resource, or null. */
	static FunctionDef topLevelFunction(org.eclipse.emf.ecore.resource.Resource resource, String name) {
		FunctionDef found = null;
		if (resource instanceof XtextResource xtext && !xtext.getContents().isEmpty() && xtext.getContents().get(0) instanceof dev.forge.forge.Module module) {
			for (EObject item : module.getBody()) {
				if (item instanceof FunctionDef f && name.equals(f.getName())) {
					found = f;
				}
			}
		}
		return found;
	}
}
