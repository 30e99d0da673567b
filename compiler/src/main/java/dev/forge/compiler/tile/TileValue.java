package dev.forge.compiler.tile;

/** An SSA tile value, identified by its id within one kernel. */
public record TileValue(int id, TileType type) {

	@Override
	public String toString() {
		return "%" + id;
	}
}
