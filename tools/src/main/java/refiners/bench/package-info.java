/**
 * Benchmarks and the soak run: in-process stages, the mesh on loopback, memory ({@link refiners.bench.Rss}). May
 * import {@code launch} (to start a mesh), {@code pipeline} and {@code options}; never {@code cli}.
 */
package refiners.bench;
