// The page's colour theme: the system's (prefers-color-scheme) unless the header's choice says light or dark.
// A choice is kept in localStorage and set as `data-theme` on <html>, which style.css reads; "System" removes
// both. A classic script in <head>, not a module: it runs before the body is parsed, so the first paint is
// already in the chosen theme (the Content-Security-Policy allows no inline script to do it).
(() => {
  const KEY = 'reelcut-theme';
  const THEMES = ['light', 'dark'];
  const root = document.documentElement;
  const apply = (theme) => {
    if (THEMES.includes(theme)) root.dataset.theme = theme;
    else delete root.dataset.theme;
  };
  // Storage can be refused (a browser's privacy settings): the choice then lasts as long as the page.
  try {
    apply(localStorage.getItem(KEY));
  } catch {}

  document.addEventListener('DOMContentLoaded', () => {
    const choice = document.getElementById('theme');
    choice.value = root.dataset.theme ?? 'system';
    choice.addEventListener('change', () => {
      apply(choice.value);
      try {
        if (THEMES.includes(choice.value)) localStorage.setItem(KEY, choice.value);
        else localStorage.removeItem(KEY);
      } catch {}
    });
  });
})();
