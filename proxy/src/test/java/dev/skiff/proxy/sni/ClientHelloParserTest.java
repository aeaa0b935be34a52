package dev.skiff.proxy.sni;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ClientHelloParserTest {

    private static ClientHelloParser.Result parse(byte[] bytes) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            ClientHelloParser.Result result = ClientHelloParser.parse(buf);
            assertThat(buf.readerIndex()).isZero();
            return result;
        } finally {
            buf.release();
        }
    }

    @Test
    void readsTheServerNameOfAJdkClientHello() throws Exception {
        assertThat(parse(ClientHellos.jdk("a.example.com")))
                .isEqualTo(new ClientHelloParser.ClientHello("a.example.com"));
    }

    @Test
    void lowerCasesTheServerName() throws Exception {
        assertThat(parse(ClientHellos.jdk("B.Example.COM")))
                .isEqualTo(new ClientHelloParser.ClientHello("b.example.com"));
    }

    @Test
    void aHelloWithoutServerNameIsTlsWithAnEmptyName() throws Exception {
        assertThat(parse(ClientHellos.jdk(null))).isEqualTo(new ClientHelloParser.ClientHello(""));
    }

    @Test
    void everyPrefixOfTheHelloAsksForMore() throws Exception {
        byte[] hello = ClientHellos.jdk("a.example.com");
        for (int length = 1; length < hello.length; length++) {
            assertThat(parse(Arrays.copyOf(hello, length))).as("first %d bytes", length)
                    .isInstanceOf(ClientHelloParser.NeedMore.class);
        }
    }

    @Test
    void readsAHelloSplitAcrossRecords() throws Exception {
        byte[] fragmented = ClientHellos.fragmented(ClientHellos.jdk("a.example.com"), 100);

        assertThat(parse(fragmented)).isEqualTo(new ClientHelloParser.ClientHello("a.example.com"));
        assertThat(parse(Arrays.copyOf(fragmented, fragmented.length - 1)))
                .isInstanceOf(ClientHelloParser.NeedMore.class);
    }

    @Test
    void aHelloSplitIntoTooManyRecordsIsTooLarge() throws Exception {
        assertThat(parse(ClientHellos.fragmented(ClientHellos.jdk("a.example.com"), 4)))
                .isInstanceOf(ClientHelloParser.TooLarge.class);
    }

    @Test
    void aHelloLongerThanTheLimitIsTooLarge() {
        assertThat(parse(new byte[] {0x16, 3, 1, 0, 4, 1, 1, 0, 0}))
                .isInstanceOf(ClientHelloParser.TooLarge.class);
    }

    @Test
    void plaintextIsNotTls() {
        assertThat(parse("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(ClientHelloParser.NotTls.class);
    }

    @Test
    void aHandshakeThatIsNotAClientHelloIsNotTls() throws Exception {
        byte[] hello = ClientHellos.jdk("a.example.com");
        hello[5] = 2;

        assertThat(parse(hello)).isInstanceOf(ClientHelloParser.NotTls.class);
    }

    @Test
    void aServerNameExtensionLongerThanItsHelloIsNotTls() throws Exception {
        byte[] hello = ClientHellos.jdk("a.example.com");
        int name = indexOf(hello, "a.example.com".getBytes(StandardCharsets.US_ASCII));
        hello[name - 2] = (byte) 0x7f;

        assertThat(parse(hello)).isInstanceOf(ClientHelloParser.NotTls.class);
    }

    @Test
    void aServerNameWithControlBytesIsNotTls() throws Exception {
        byte[] hello = ClientHellos.jdk("a.example.com");
        hello[indexOf(hello, "a.example.com".getBytes(StandardCharsets.US_ASCII))] = 0x0a;

        assertThat(parse(hello)).isInstanceOf(ClientHelloParser.NotTls.class);
    }

    @Test
    void aBadRecordVersionIsNotTls() throws Exception {
        byte[] hello = ClientHellos.jdk("a.example.com");
        hello[1] = 9;

        assertThat(parse(hello)).isInstanceOf(ClientHelloParser.NotTls.class);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }
}
