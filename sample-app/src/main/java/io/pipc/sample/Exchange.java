package io.pipc.sample;

import java.util.Locale;

/**
 * One transport's part of the demo: who asked whom, an example request and its reply, and how
 * many round trips took how long. Travels from the worker to the coordinator as one line.
 *
 * @param transport fifo, tcp, unix
 * @param direction who asked whom
 * @param request an example request
 * @param reply the reply it got
 * @param count how many request/reply round trips were timed
 * @param nanos how long they took together
 */
record Exchange(String transport, String direction, String request, String reply, int count, long nanos) {

    private static final String SEPARATOR = "\t";

    /**
     * @param line a line made by {@link #toLine()}
     * @return the exchange it describes
     */
    static Exchange parse(String line) {
        String[] fields = line.split(SEPARATOR, -1);
        if (fields.length != 6) {
            throw new IllegalArgumentException("not an exchange: " + line);
        }
        return new Exchange(fields[0], fields[1], fields[2], fields[3], Integer.parseInt(fields[4]), Long.parseLong(fields[5]));
    }

    String toLine() {
        return String.join(SEPARATOR, transport, direction, request, reply, String.valueOf(count), String.valueOf(nanos));
    }

    /**
     * @return one readable line for the report
     */
    String describe() {
        double seconds = nanos / 1e9;
        return String.format(Locale.ROOT, "  %-5s %-21s %-28s → %-26s %,6d round trips  %,9.0f/s  RTT %7.1f µs",
                transport, direction, '"' + request + '"', '"' + reply + '"', count, count / seconds, nanos / 1000.0 / count);
    }
}
