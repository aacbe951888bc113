package refiners.fluxion.autodiff;

/**
 * The vector-Jacobian product of one ONNX op: given the gradients of a node's outputs, emits the nodes computing the
 * gradients of the inputs that need one ({@link Vjp#needs}), and hands them over with {@link Vjp#give}.
 */
@FunctionalInterface
public interface VjpRule {
    void apply(Vjp node);
}
