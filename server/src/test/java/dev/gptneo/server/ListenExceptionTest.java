package dev.gptneo.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.UnresolvedAddressException;
import org.junit.jupiter.api.Test;

/** Each way a port cannot be bound is named with its address and the flag that sets it, and what to do. */
class ListenExceptionTest {

    @Test
    void aPortInUseNamesThePortFlag() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ServerSocket second = new ServerSocket()) {
            IOException inUse = assertThrows(IOException.class,
                    () -> second.bind(new InetSocketAddress("127.0.0.1", taken.getLocalPort())));
            assertEquals("cannot listen on 127.0.0.1:" + taken.getLocalPort() + " (--metrics-port): address already"
                    + " in use; stop the other server or choose another port",
                    new ListenException("127.0.0.1", taken.getLocalPort(), ListenException.METRICS, inUse).getMessage());
        }
    }

    @Test
    void anAddressThatIsNotThisMachinesNamesTheHostFlag() {
        // TEST-NET-1 (RFC 5737): no machine has it. The cause as Netty's native transport words it.
        IOException notHere = new IOException("Failed to bind to address /192.0.2.1:50051",
                new IOException("bind(..) failed with error(-99): Cannot assign requested address"));
        assertEquals("cannot listen on 192.0.2.1:50051 (--host): no interface of this machine has that address; use"
                + " 127.0.0.1, 0.0.0.0 (every interface) or one of its own addresses",
                new ListenException("192.0.2.1", 50051, ListenException.GRPC, notHere).getMessage());
    }

    @Test
    void aHostThatDoesNotResolveIsNamed() {
        IOException unresolved = new IOException("Failed to bind to address nosuchhost.invalid/<unresolved>:50051",
                new UnresolvedAddressException());
        assertEquals("cannot listen on nosuchhost.invalid:50051 (--host): cannot resolve host nosuchhost.invalid",
                new ListenException("nosuchhost.invalid", 50051, ListenException.GRPC, unresolved).getMessage());
    }

    @Test
    void anyOtherCauseIsGivenWithBothFlagsAndAnIpv6AddressInBrackets() {
        assertEquals("cannot listen on [::1]:9464 (--metrics-host, --metrics-port): Protocol family unavailable",
                new ListenException("::1", 9464, ListenException.METRICS,
                        new IOException("bind failed", new IOException("Protocol family unavailable"))).getMessage());
    }
}
