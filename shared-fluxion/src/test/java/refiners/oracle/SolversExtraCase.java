package refiners.oracle;

/**
 * Case "solvers-extra": LCMSolver, DDPM, DPM-Solver++ with Karras sigmas and SDE noise, DDIM under every spacing,
 * offset and noise schedule, and Solver.generate_timesteps. Same manifest layout as "schedulers", same runner.
 */
public final class SolversExtraCase extends SchedulersCase {
    @Override
    public String caseName() {
        return "solvers-extra";
    }
}
