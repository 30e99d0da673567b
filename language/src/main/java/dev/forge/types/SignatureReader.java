package dev.forge.types;

import java.util.ArrayList;
import java.util.List;

import dev.forge.forge.Call;
import dev.forge.forge.Decorator;
import dev.forge.forge.Expression;
import dev.forge.forge.ExpressionStatement;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.Name;
import dev.forge.forge.Attribute;
import dev.forge.forge.Parameter;
import dev.forge.forge.StringLiteral;

/** Builds a {@link Signature} from a {@code def}: its parameters' and result's annotations, its decorators, its docstring. */
final class SignatureReader {

	private SignatureReader() {
	}

	static Signature read(FunctionDef def, Annotations annotations) {
		List<Signature.Param> params = new ArrayList<>();
		boolean keywordOnly = false;
		for (Parameter p : def.getParams()) {
			Type type = p.getType() == null ? Type.UNKNOWN : annotations.read(p.getType());
			if (p.isDoubleStar()) {
				params.add(new Signature.Param(p.getName(), Signature.Param.Kind.VARKEYWORDS, type, true));
			} else if (p.isStar()) {
				keywordOnly = true;
				if (p.getName() != null) {
					params.add(new Signature.Param(p.getName(), Signature.Param.Kind.VARARGS, type, true));
				}
			} else {
				params.add(new Signature.Param(p.getName(), keywordOnly ? Signature.Param.Kind.KEYWORD_ONLY : Signature.Param.Kind.POSITIONAL, type,
						p.getDefault() != null));
			}
		}
		Type result = def.getReturnType() == null ? Type.UNKNOWN : annotations.read(def.getReturnType());
		String rule = null;
		boolean kernel = false;
		for (Decorator d : def.getDecorators()) {
			Expression e = d.getExpression();
			if (e instanceof Call call && call.getCallee() instanceof Name n && n.getId().equals("rule") && !call.getArgs().isEmpty()
					&& call.getArgs().get(0).getValue() instanceof StringLiteral s) {
				rule = String.join("", s.getParts());
			}
			if (isKernelDecorator(e)) {
				kernel = true;
			}
		}
		return new Signature(def.getName(), List.copyOf(params), result, rule, kernel, def, docstring(def));
	}

	static boolean isKernelDecorator(Expression e) {
		Expression target = e instanceof Call call ? call.getCallee() : e;
		return target instanceof Name n && n.getId().equals("kernel")
				|| target instanceof Attribute a && a.getReceiver() instanceof Name n2 && n2.getId().equals("kernel");
	}

	/** Whether {@code def} is decorated {@code @jit} (a compiled modeling function). */
	static boolean isJit(FunctionDef def) {
		for (Decorator d : def.getDecorators()) {
			Expression e = d.getExpression();
			Expression target = e instanceof Call call ? call.getCallee() : e;
			if (target instanceof Name n && n.getId().equals("jit")) {
				return true;
			}
		}
		return false;
	}

	static String docstring(FunctionDef def) {
		if (def.getBody() == null || def.getBody().getStatements().isEmpty()) {
			return null;
		}
		if (def.getBody().getStatements().get(0) instanceof ExpressionStatement s && s.getExpression() instanceof StringLiteral doc) {
			return String.join("", doc.getParts()).strip();
		}
		return null;
	}
}
