/**
 * A generation in this JVM through the same stages and loop as the mesh. Below both the generate command and the
 * benches (and the reference the end-to-end tests compare the mesh with), so it imports no other tools package.
 */
package refiners.pipeline;
