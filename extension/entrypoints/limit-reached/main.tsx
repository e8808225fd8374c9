import '../../components/theme.css';
import './limit-reached.css';
import { mountPage } from '../../components/mount-page.js';
import { LimitReachedApp } from './limit-reached-app.js';

mountPage('limitReachedTitle', () => <LimitReachedApp search={location.search} />);
