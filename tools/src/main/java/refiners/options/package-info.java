/**
 * Command-line options ("--name value"), read alike by the commands and by the benches that take their own options;
 * below both so that neither depends on the other. Imports no other tools package.
 */
package refiners.options;
