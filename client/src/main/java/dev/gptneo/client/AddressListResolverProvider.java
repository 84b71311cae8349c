package dev.gptneo.client;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.StatusOr;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Resolves targets of the form {@code gptneo-list:///host1:port1,host2:port2} to those addresses,
 * one group each, so that {@code round_robin} balances over a fixed fleet. Each host is looked up
 * once, when the channel starts; for a fleet behind a DNS name use {@code dns:///name:port}.
 */
final class AddressListResolverProvider extends NameResolverProvider {

    static final String SCHEME = "gptneo-list";

    static {
        NameResolverRegistry.getDefaultRegistry().register(new AddressListResolverProvider());
    }

    private AddressListResolverProvider() {
    }

    /** The channel target naming these addresses; registers the scheme on first use. */
    static String target(List<String> hostPorts) {
        return SCHEME + ":///" + String.join(",", hostPorts);
    }

    @Override
    public NameResolver newNameResolver(URI target, NameResolver.Args args) {
        if (!SCHEME.equals(target.getScheme())) {
            return null;
        }
        List<String> hostPorts = List.of(target.getPath().substring(1).split(","));
        return new NameResolver() {
            @Override
            public String getServiceAuthority() {
                return hostPorts.get(0); // TLS checks every server against this name
            }

            @Override
            public void start(Listener2 listener) {
                listener.onResult2(ResolutionResult.newBuilder().setAddressesOrError(resolve(hostPorts)).build());
            }

            @Override
            public void shutdown() {
            }
        };
    }

    private static StatusOr<List<EquivalentAddressGroup>> resolve(List<String> hostPorts) {
        List<EquivalentAddressGroup> groups = new ArrayList<>();
        for (String hostPort : hostPorts) {
            InetSocketAddress address = parse(hostPort);
            if (address == null || address.isUnresolved()) {
                return StatusOr.fromStatus(Status.UNAVAILABLE.withDescription("cannot resolve '" + hostPort + "'"));
            }
            groups.add(new EquivalentAddressGroup(address));
        }
        return StatusOr.fromValue(groups);
    }

    /** {@code host:port} as an address (looked up now), or null if it is not of that form. */
    private static InetSocketAddress parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        try {
            return colon < 0 ? null
                    : new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
        } catch (IllegalArgumentException e) { // also NumberFormatException
            return null;
        }
    }

    @Override
    public String getDefaultScheme() {
        return SCHEME;
    }

    @Override
    protected boolean isAvailable() {
        return true;
    }

    @Override
    protected int priority() {
        return 1; // below DNS (5), whose scheme must stay the default for plain "host:port" targets
    }

    @Override
    public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
        return List.of(InetSocketAddress.class);
    }
}
