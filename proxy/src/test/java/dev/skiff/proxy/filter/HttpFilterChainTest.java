package dev.skiff.proxy.filter;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class HttpFilterChainTest {

    private final List<String> calls = new ArrayList<>();

    private HttpFilter filter(String name, FilterStatus status) {
        return new HttpFilter() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public FilterStatus onRequest(HttpFilterCallbacks request) {
                calls.add(name);
                return status;
            }
        };
    }

    @Test
    void runsFiltersInOrderUntilOneStops() {
        HttpFilterChain chain = new HttpFilterChain(List.of(filter("a", FilterStatus.CONTINUE),
                filter("b", FilterStatus.STOP), filter("c", FilterStatus.CONTINUE)));

        int stopped = chain.run(0, null);

        assertThat(stopped).isEqualTo(1);
        assertThat(calls).containsExactly("a", "b");
        assertThat(chain.run(stopped + 1, null)).isEqualTo(chain.size());
        assertThat(calls).containsExactly("a", "b", "c");
    }

    @Test
    void anEmptyChainLetsEveryRequestThrough() {
        assertThat(new HttpFilterChain(List.of()).run(0, null)).isZero();
    }
}
