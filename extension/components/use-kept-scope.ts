/**
 * The scope the person chose last, in the popup as in the options page: one choice kept in
 * storage.local (settings' optionsScopeItem), so a person who chose "All my browsers" sees it
 * again on the next opening. The page's own state (useAllBrowsers) follows it.
 */
import { useEffect, useRef } from 'preact/hooks';
import { optionsScopeItem } from '../settings/index.js';
import type { ViewScope } from './use-all-browsers.js';

/**
 * Applies the kept scope through `apply` (now and when it changes) while `registered` ("all"
 * needs a server; without one, this browser); returns the setter that keeps it.
 */
export function useKeptScope(
  apply: (scope: ViewScope) => void,
  registered: boolean,
): (scope: ViewScope) => void {
  // A choice made before the kept one is read wins over it.
  const chosen = useRef(false);
  useEffect(() => {
    if (!registered) {
      apply('this');
      return;
    }
    let current = true;
    optionsScopeItem.getValue().then(
      (value) => current && !chosen.current && apply(value),
      () => undefined,
    );
    const unwatch = optionsScopeItem.watch((value) => apply(value));
    return () => {
      current = false;
      unwatch();
    };
  }, [apply, registered]);
  return (scope) => {
    chosen.current = true;
    apply(scope);
    void optionsScopeItem.setValue(scope);
  };
}
