import { render } from 'preact';
import '../../components/theme.css';
import './limit-reached.css';
import { applyTheme } from '../../components/apply-theme.js';
import { LimitReachedApp } from './limit-reached-app.js';

applyTheme();
const root = document.getElementById('app');
if (root !== null) render(<LimitReachedApp search={location.search} />, root);
