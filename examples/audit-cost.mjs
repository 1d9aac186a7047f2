// What auditing costs the agent's thread, measured in the run itself. Every emit* call the
// agent makes goes through `measured(audit, baseline, meter)`: it is timed into the
// offloaded sink (the trail) and, with the same arguments, into a synchronous
// JSONLSinkCollector writing a throwaway file (the baseline). Both are timed on the same
// calls in the same process; which one runs first alternates, so neither always gets the
// warmer cache. Each call is timed whole (building the event, previews, serializing, the
// sink) and in the sink alone (`timedCollector`), since building the event costs both the same.

/** Microseconds per call, whole and in the sink, for each of the two sinks. */
export function costMeter() {
  return { offloaded: { call: [], sink: [] }, synchronous: { call: [], sink: [] } };
}

/** `collector`, with the time each `emit` takes added to `into`. */
export function timedCollector(collector, into) {
  return {
    emit(event) {
      const started = performance.now();
      collector.emit(event);
      into.push((performance.now() - started) * 1000);
    },
    flush: () => collector.flush(),
  };
}

function timed(emitter, method, args, into) {
  const started = performance.now();
  const result = emitter[method](args);
  into.push((performance.now() - started) * 1000);
  return result;
}

/** `audit` whose emit* calls (and those of its children) are timed, each repeated on `baseline`. */
export function measured(audit, baseline, meter) {
  return new Proxy(audit, {
    get(target, key) {
      if (key === 'child')
        return (context) => measured(target.child(context), baseline.child(context), meter);
      const value = Reflect.get(target, key, target);
      if (typeof key !== 'string' || !key.startsWith('emit') || typeof value !== 'function') {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (args) => {
        if (meter.offloaded.call.length % 2 === 0) {
          const result = timed(target, key, args, meter.offloaded.call);
          timed(baseline, key, args, meter.synchronous.call);
          return result;
        }
        timed(baseline, key, args, meter.synchronous.call);
        return timed(target, key, args, meter.offloaded.call);
      };
    },
  });
}

/** The median of a list of microseconds. */
export function median(micros) {
  const sorted = [...micros].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
