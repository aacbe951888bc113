package refiners.mesh;

import jakarta.annotation.Priority;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;
import java.util.function.Supplier;

/**
 * Carries the caller's generation id to where its work runs: the Supplier argument is wrapped, on the caller's
 * thread, so that it runs with the id in its logging context. It runs before (outside) the fault-tolerance
 * interceptors, whose @Asynchronous moves the work to another thread.
 */
@CarriesLogContext
@Interceptor
@Priority(Interceptor.Priority.PLATFORM_BEFORE)
public class LogContextInterceptor {
    @AroundInvoke
    Object wrap(InvocationContext ctx) throws Exception {
        String id = GenerationIds.current();
        Object[] args = ctx.getParameters();
        if (id != null && args.length == 1 && args[0] instanceof Supplier<?> work) {
            Supplier<Object> carried = () -> GenerationIds.within(id, work::get);
            ctx.setParameters(new Object[] {carried});
        }
        return ctx.proceed();
    }
}
