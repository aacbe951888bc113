/** Damaged weight files against the loaders, as the fuzz command runs them. Imports no other tools package. */
package refiners.fuzz;
