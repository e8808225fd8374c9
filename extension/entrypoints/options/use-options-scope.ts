/**
 * The options page's scope, one for all its sections: kept in storage.local (settings'
 * optionsScopeItem), so that it stays when the person moves between sections, reloads or
 * opens the page again, and followed in every open options page.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ViewScope } from '../../components/use-all-browsers.js';
import { optionsScopeItem } from '../../settings/index.js';

export interface OptionsScope {
  scope: ViewScope;
  setScope(scope: ViewScope): void;
}

/** `registered`: "all" needs a server; without one the page shows this browser whatever is kept. */
export function useOptionsScope(registered: boolean): OptionsScope {
  const [kept, setKept] = useState<ViewScope>('this');
  useEffect(() => {
    let current = true;
    optionsScopeItem.getValue().then(
      (value) => current && setKept(value),
      () => undefined,
    );
    const unwatch = optionsScopeItem.watch((value) => setKept(value));
    return () => {
      current = false;
      unwatch();
    };
  }, []);
  return {
    scope: registered ? kept : 'this',
    setScope: (next) => {
      setKept(next);
      void optionsScopeItem.setValue(next);
    },
  };
}
