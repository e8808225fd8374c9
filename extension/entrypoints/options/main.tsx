import { render } from 'preact';
import '../../components/theme.css';
import './options.css';
import { applyTheme } from '../../components/apply-theme.js';
import { OptionsApp } from './options-app.js';

applyTheme();
const root = document.getElementById('app');
if (root !== null) render(<OptionsApp />, root);
